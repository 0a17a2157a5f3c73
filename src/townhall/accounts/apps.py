from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"

    def ready(self) -> None:
        from townhall.accounts import blocking, events, presence
        from townhall.activity import verbs
        from townhall.realtime import presence as live_presence

        verbs.register(events.VERBS)
        live_presence.hide_with(presence.hidden_by_choice, name="accounts.hide_presence")
        live_presence.hide_with(blocking.hidden_presence, name="blocks", typing=True)
