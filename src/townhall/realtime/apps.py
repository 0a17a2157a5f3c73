from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "townhall.realtime"
    label = "realtime"

    def ready(self) -> None:
        from allauth.account import signals as account_signals
        from django.contrib.auth.signals import user_logged_out

        from townhall.core import effects
        from townhall.realtime import protocol, schemas, sessions, subscriptions

        schemas.register([*subscriptions.SCHEMAS, *protocol.SCHEMAS], app=self.label)
        # Every event that changes what someone may read (and its subclasses): their streams follow.
        # mypy refuses an abstract class for type[E] (python/mypy#4717); listen() never instantiates it.
        effects.listen(
            effects.AccessChanged,  # type: ignore[type-abstract]
            subscriptions.on_access_changed,
            name="realtime",
        )
        # A session that ends takes its open streams with it (realtime/sessions.py).
        user_logged_out.connect(sessions.on_logged_out, dispatch_uid="realtime.session_ended")
        for signal in (
            account_signals.password_changed,
            account_signals.password_set,
            account_signals.password_reset,
        ):
            signal.connect(sessions.on_password_changed, dispatch_uid=f"realtime.sessions_check.{id(signal)}")
