from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "townhall.realtime"
    label = "realtime"

    def ready(self) -> None:
        from townhall.core import effects
        from townhall.realtime import protocol, schemas, subscriptions

        schemas.register([*subscriptions.SCHEMAS, *protocol.SCHEMAS], app=self.label)
        # Every event that changes what someone may read (and its subclasses): their streams follow.
        # mypy refuses an abstract class for type[E] (python/mypy#4717); listen() never instantiates it.
        effects.listen(
            effects.AccessChanged,  # type: ignore[type-abstract]
            subscriptions.on_access_changed,
            name="realtime",
        )
