from django.urls import path

from townhall.chat import (
    attachment_views,
    direct_views,
    live_views,
    promote_views,
    reaction_views,
    thread_views,
    views,
)

app_name = "chat"

urlpatterns = [
    path("s/<slug:slug>/chat/send/", views.message_send, name="send"),
    path("s/<slug:slug>/chat/earlier/", views.channel_earlier, name="earlier"),
    path("s/<slug:slug>/chat/topic/", views.topic_edit, name="topic"),
    path("s/<slug:slug>/chat/pinned/", views.channel_pinned, name="pinned"),
    path("chat/m/<id:message_id>/", views.message_fragment, name="message"),
    path("chat/m/<id:message_id>/edit/", views.message_edit, name="edit"),
    path("chat/m/<id:message_id>/delete/", views.message_delete, name="delete"),
    path("chat/m/<id:message_id>/restore/", views.message_restore, name="restore"),
    path("chat/m/<id:message_id>/pin/", views.message_pin, name="pin"),
    path("chat/m/<id:message_id>/unpin/", views.message_unpin, name="unpin"),
    path("s/<slug:slug>/chat/people/", live_views.people, name="people"),
    path("s/<slug:slug>/chat/read/", live_views.mark_read, name="read"),
    path("s/<slug:slug>/chat/thread/<id:root_id>/", thread_views.thread_view, name="thread"),
    path(
        "s/<slug:slug>/chat/thread/<id:root_id>/earlier/", thread_views.thread_earlier, name="thread-earlier"
    ),
    path("s/<slug:slug>/chat/thread/<id:root_id>/reply/", thread_views.thread_reply, name="thread-reply"),
    path("s/<slug:slug>/chat/thread/<id:root_id>/follow/", thread_views.thread_follow, name="thread-follow"),
    path(
        "s/<slug:slug>/chat/thread/<id:root_id>/unfollow/",
        thread_views.thread_unfollow,
        name="thread-unfollow",
    ),
    path("s/<slug:slug>/chat/threads/", thread_views.threads_list, name="threads"),
    path("chat/r/<id:message_id>/", thread_views.reply_fragment, name="reply"),
    path("s/<slug:slug>/chat/thread/<id:root_id>/read/", thread_views.thread_read, name="thread-read"),
    path("s/<slug:slug>/chat/threads/link/", thread_views.threads_link, name="threads-link"),
    path(
        "s/<slug:slug>/chat/thread/<id:root_id>/promote/", promote_views.thread_promote, name="thread-promote"
    ),
    path("chat/m/<id:message_id>/react/", reaction_views.message_react, name="react"),
    path("chat/files/<id:attachment_id>/<str:name>", attachment_views.attachment_serve, name="attachment"),
    path("messages/", direct_views.inbox, name="direct-inbox"),
    path("messages/count/", direct_views.unread_count, name="direct-count"),
    path("messages/new/", direct_views.new, name="direct-new"),
    path("messages/with/<str:username>/", direct_views.with_person, name="direct-with"),
    path("messages/<slug:slug>/", direct_views.conversation, name="direct"),
    path("messages/<slug:slug>/people/", direct_views.people, name="direct-people"),
    path("messages/<slug:slug>/add/", direct_views.add, name="direct-add"),
    path("messages/<slug:slug>/rename/", direct_views.rename, name="direct-rename"),
    path("messages/<slug:slug>/leave/", direct_views.leave, name="direct-leave"),
]
