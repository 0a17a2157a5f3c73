from django.urls import path

from townhall.community import views

app_name = "community"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("join/", views.join, name="join"),
    path("leave/", views.leave, name="leave"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
    path("conduct/", views.conduct, name="conduct"),
    path("accent.css", views.accent_css, name="accent-css"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("members/", views.directory, name="directory"),
    path("settings/community/", views.community_settings, name="settings"),
    path("settings/community/invitations/", views.invitations, name="invitations"),
    path(
        "settings/community/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("settings/community/applications/", views.applications, name="applications"),
    path(
        "settings/community/applications/<id:membership_id>/review/",
        views.application_review,
        name="application-review",
    ),
    path("settings/community/members/", views.members, name="members"),
    path("settings/community/members/bulk/", views.members_bulk, name="members-bulk"),
    path(
        "settings/community/members/<id:membership_id>/<str:op>/",
        views.member_action,
        name="member-action",
    ),
    path("settings/community/groups/", views.groups, name="groups"),
    path("settings/community/groups/<slug:slug>/", views.group_detail, name="group"),
    path("settings/community/groups/<slug:slug>/delete/", views.group_delete, name="group-delete"),
    path("settings/community/groups/<slug:slug>/members/", views.group_member_add, name="group-member-add"),
    path(
        "settings/community/groups/<slug:slug>/members/<str:username>/remove/",
        views.group_member_remove,
        name="group-member-remove",
    ),
]
