from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Kinds are declared by the apps that cause them (kinds.register / kinds.on in their ready()); this
    app fans notices out after commit and delivers them in the page, by email and by web push."""

    name = "townhall.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.notifications import broadcasts, fanout
        from townhall.realtime import schemas

        schemas.register(broadcasts.SCHEMAS, app=self.label)
        # Every event a kind's handler names becomes a required consumer (a durable task after commit),
        # for handlers registered before and after this ready() alike.
        fanout.start_listening()
