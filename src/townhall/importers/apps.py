from django.apps import AppConfig


class ImportersConfig(AppConfig):
    """Bringing a community home from WhatsApp, Slack, Discord and Telegram exports."""

    name = "townhall.importers"
    label = "importers"
    verbose_name = "Importers"
    default_auto_field = "django.db.models.BigAutoField"
