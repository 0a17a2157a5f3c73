from django.apps import AppConfig
from django.urls import register_converter
from django.urls.converters import get_converters

from townhall.core.ids import IdConverter


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"

    def ready(self) -> None:
        if "id" not in get_converters():  # ready() runs again when tests change INSTALLED_APPS
            register_converter(IdConverter, "id")
