from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "townhall.spaces"
    label = "spaces"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.spaces import events

        verbs.register(events.VERBS)
