from django.urls import path

from townhall.spaces import sidebar_views, views

app_name = "spaces"

urlpatterns = [
    path("spaces/", views.space_list, name="list"),
    path("spaces/new/", views.space_create, name="create"),
    path("settings/spaces/", views.spaces_manage, name="manage"),
    path("settings/spaces/sections/", views.section_create, name="section-create"),
    path("settings/spaces/sections/<id:section_id>/rename/", views.section_rename, name="section-rename"),
    path("settings/spaces/sections/<id:section_id>/delete/", views.section_delete, name="section-delete"),
    path("settings/spaces/sections/<id:section_id>/move/", views.section_move, name="section-move"),
    path("s/<slug:slug>/", views.space_detail, name="detail"),
    path("s/<slug:slug>/join/", views.space_join, name="join"),
    path("s/<slug:slug>/leave/", views.space_leave, name="leave"),
    path("s/<slug:slug>/members/", views.space_members, name="members"),
    path("s/<slug:slug>/members/invite/", views.space_invite, name="invite"),
    path("s/<slug:slug>/members/<str:username>/approve/", views.space_approve, name="approve"),
    path("s/<slug:slug>/members/<str:username>/deny/", views.space_deny, name="deny"),
    path("s/<slug:slug>/members/<str:username>/moderator/", views.space_set_moderator, name="set-moderator"),
    path("s/<slug:slug>/settings/", views.space_settings, name="settings"),
    path("s/<slug:slug>/settings/cover/", views.space_cover, name="cover"),
    path("s/<slug:slug>/settings/archive/", views.space_archive, name="archive"),
    path("s/<slug:slug>/settings/unarchive/", views.space_unarchive, name="unarchive"),
    path("s/<slug:slug>/settings/move/", views.space_move, name="space-move"),
    path("s/<slug:slug>/settings/section/", views.space_assign_section, name="space-assign"),
    path("sidebar/", sidebar_views.sidebar_fragment, name="sidebar"),
]
