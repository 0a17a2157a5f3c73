from django.apps import AppConfig
from django.urls import register_converter

from townhall.core.ids import IdConverter


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"

    def ready(self) -> None:
        register_converter(IdConverter, "id")
