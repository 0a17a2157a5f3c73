from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "townhall.spaces"
    label = "spaces"
