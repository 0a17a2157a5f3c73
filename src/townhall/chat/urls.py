from django.urls import path

from townhall.chat import attachment_views, reaction_views, views

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
    path("chat/m/<id:message_id>/react/", reaction_views.message_react, name="react"),
    path("chat/files/<id:attachment_id>/<str:name>", attachment_views.attachment_serve, name="attachment"),
]
