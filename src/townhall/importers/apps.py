import importlib
import importlib.util

from django.apps import AppConfig

# The parser modules, each holding a `SOURCE` (a sources.base.Source). A module not present yet is
# left out, so the app works with whichever parsers are installed.
SOURCE_MODULES = (
    "townhall.importers.sources.whatsapp",
    "townhall.importers.sources.slack",
    "townhall.importers.sources.discord",
    "townhall.importers.sources.telegram",
)


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

        verbs.register(events.VERBS)
        for module_name in SOURCE_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            source = getattr(module, "SOURCE", None)
            if source is not None:
                registry.register_source(source)
        register_settings_page(
            SettingsPage(
                "imports", "Import history", "importers:imports", 80,
                lambda request: request.guardian.importers.manage.can(),
            )
        )  # fmt: skip
        register_profile_section(ProfileSection("imported", "Imported", 1, sections.imported_mark))
