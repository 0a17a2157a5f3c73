from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.community import events

        verbs.register(events.VERBS)
