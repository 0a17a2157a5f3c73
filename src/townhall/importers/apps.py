from django.apps import AppConfig


class ImportersConfig(AppConfig):
    """Bringing a community home from WhatsApp, Slack, Discord and Telegram exports."""

    name = "townhall.importers"
    label = "importers"
    verbose_name = "Importers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.core.registries import (
            ProfileSection,
            SettingsPage,
            register_profile_section,
            register_settings_page,
        )
        from townhall.importers import events, registry, sections
        from townhall.importers.sources.discord import DiscordSource
        from townhall.importers.sources.slack import SlackSource
        from townhall.importers.sources.telegram import TelegramSource
        from townhall.importers.sources.whatsapp import WhatsAppSource

        verbs.register(events.VERBS)
        for source in (WhatsAppSource(), SlackSource(), DiscordSource(), TelegramSource()):
            registry.register_source(source)
        register_settings_page(
            SettingsPage(
                "imports", "Import history", "importers:imports", 80,
                lambda request: request.guardian.importers.manage.can(),
            )
        )  # fmt: skip
        register_profile_section(ProfileSection("imported", "Imported", 1, sections.imported_mark))
