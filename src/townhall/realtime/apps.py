from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "townhall.realtime"
    label = "realtime"
