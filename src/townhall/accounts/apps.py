from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"

    def ready(self) -> None:
        from townhall.accounts import blocking, events
        from townhall.activity import verbs
        from townhall.realtime import presence

        verbs.register(events.VERBS)
        presence.hide_with(blocking.hidden_presence, name="blocks")
