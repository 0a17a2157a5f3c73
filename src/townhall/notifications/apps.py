from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Kinds are declared by the apps that cause them (kinds.register / kinds.on in their ready()); this
    app fans notices out after commit and delivers them in the page, by email and by web push."""

    name = "townhall.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.core import registries
        from townhall.core.registries import AccountSettingsPage, SidebarLink
        from townhall.notifications import broadcasts, fanout
        from townhall.notifications.channels import Channel, register_channel
        from townhall.notifications.email import registration as email_channel
        from townhall.notifications.models import PUSH
        from townhall.notifications.push import delivery
        from townhall.realtime import schemas

        schemas.register(broadcasts.SCHEMAS, app=self.label)
        register_channel(Channel(PUSH, delivery.schedule))
        email_channel.register()
        # The badge: pages fetch the figure after loading and again on each `notifications` broadcast.
        registries.register_sidebar_link(
            SidebarLink(
                "notifications",
                "Notifications",
                "notifications:centre",
                12,
                shown=registries.signed_in,
                count_url="notifications:count",
                count_on=(broadcasts.TYPE,),
            )
        )
        registries.register_account_settings_page(
            AccountSettingsPage(
                "notifications",
                "Notifications",
                "notifications:settings",
                10,
                description="What you are told about and where: in the page, by email, by push; "
                "quiet hours, digests and a pause.",
            )
        )
        # Every event a kind's handler names becomes a required consumer (a durable task after commit),
        # for handlers registered before and after this ready() alike.
        fanout.start_listening()
