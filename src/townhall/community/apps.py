from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"
