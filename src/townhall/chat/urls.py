from django.urls import path

from townhall.chat import direct_views, views

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
