from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"

    def ready(self) -> None:
        from townhall.accounts import events
        from townhall.activity import verbs

        verbs.register(events.VERBS)
