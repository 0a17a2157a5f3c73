from django.contrib.sitemaps.views import sitemap
from django.urls import path

from townhall.discussions import feeds, live_views, settings_pages, views

app_name = "discussions"

urlpatterns = [
    path("latest/", views.latest, name="latest"),
    path("unread/", views.unread, name="unread"),
    path("top/", views.top, name="top"),
    path("new/", views.new_in_spaces, name="new"),
    path("mentions/", views.mention_suggestions, name="mentions"),
    path("s/<slug:slug>/topics/", views.space_topics, name="space-topics"),
    path("s/<slug:slug>/new/", views.topic_create, name="topic-create"),
    path("s/<slug:slug>/draft/", views.space_draft, name="space-draft"),
    path("s/<slug:slug>/upload/", views.upload_create, name="upload-create"),
    path("uploads/<id:upload_id>/<str:name>", views.upload_serve, name="upload"),
    path("s/<slug:slug>/follow/", views.space_follow, name="space-follow"),
    path("s/<slug:slug>/feed/", feeds.SpaceTopicsFeed(), name="space-feed"),
    path("t/<id:topic_id>/", views.topic_short, name="topic-short"),
    path("t/<id:topic_id>/reply/", views.topic_reply, name="topic-reply"),
    path("t/<id:topic_id>/unread/", views.topic_first_unread, name="topic-first-unread"),
    path("t/<id:topic_id>/draft/", views.topic_draft, name="topic-draft"),
    path("t/<id:topic_id>/follow/", views.topic_follow, name="topic-follow"),
    path("t/<id:topic_id>/moderate/", views.topic_moderate, name="topic-moderate"),
    path("t/<id:topic_id>/move/", views.topic_move, name="topic-move"),
    path("t/<id:topic_id>/accept/", views.topic_accept, name="topic-accept"),
    path("t/<id:topic_id>/feed/", feeds.TopicPostsFeed(), name="topic-feed"),
    path("t/<id:topic_id>/<slug:slug>/", views.topic_detail, name="topic"),
    path("p/<id:post_id>/", views.post_permalink, name="post"),
    path("p/<id:post_id>/edit/", views.post_edit, name="post-edit"),
    path("p/<id:post_id>/delete/", views.post_delete, name="post-delete"),
    path("p/<id:post_id>/undelete/", views.post_undelete, name="post-undelete"),
    path("p/<id:post_id>/moderate/", views.post_moderate, name="post-moderate"),
    path("p/<id:post_id>/react/", views.post_react, name="post-react"),
    path("p/<id:post_id>/revisions/", views.post_revisions, name="post-revisions"),
    path("settings/community/reactions/", settings_pages.reactions_page, name="settings-reactions"),
    path(
        "settings/community/reactions/<str:op>/",
        settings_pages.reaction_change,
        name="settings-reaction-change",
    ),
    path("settings/community/tags/", settings_pages.tags_page, name="settings-tags"),
    path(
        "settings/community/tags/<id:tag_id>/<str:op>/", settings_pages.tag_change, name="settings-tag-change"
    ),
    path("sitemap.xml", sitemap, {"sitemaps": feeds.SITEMAPS}, name="sitemap"),
    path("p/<id:post_id>/live/", live_views.post_fragment, name="post-fragment"),
]
