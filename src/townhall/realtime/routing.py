from django.urls import path

from townhall.realtime.consumers import UserStreamConsumer

websocket_urlpatterns = [path("ws/stream/", UserStreamConsumer.as_asgi())]
