from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Kinds are declared by the apps that cause them (kinds.register / kinds.on in their ready()); this
    app fans notices out after commit and delivers them in the page, by email and by web push."""

    name = "townhall.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.notifications import broadcasts
        from townhall.notifications.channels import Channel, register_channel
        from townhall.notifications.models import PUSH
        from townhall.notifications.email import registration as email_channel
        from townhall.notifications.push import delivery
        from townhall.realtime import schemas

        schemas.register(broadcasts.SCHEMAS, app=self.label)
        register_channel(Channel(PUSH, delivery.schedule))
        email_channel.register()
