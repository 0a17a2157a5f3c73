"""The sources an import can read, by key ("whatsapp", "slack", ...). Each parser module is registered
from `ImportersConfig.ready()`; tests register their own small sources."""

from __future__ import annotations

from townhall.core.registries import Registry
from townhall.importers.sources.base import Source

sources: Registry[Source] = Registry("import source")


def register_source(source: Source) -> Source:
    return sources.register(source.key, source)


def get_source(key: str) -> Source:
    """The registered source; LookupError with a sentence when there is none by that key."""
    found = sources.get(key)
    if found is None:
        known = ", ".join(sorted(sources.keys())) or "none"
        raise LookupError(f"There is no importer for {key!r} (known: {known}).")
    return found


def source_choices() -> list[tuple[str, str]]:
    return [(source.key, source.label) for source in sorted(sources, key=lambda s: s.label)]


def is_multi_channel(source: Source) -> bool:
    """Multi-channel exports (a Slack workspace, a Discord server) make one space per channel; others
    go into the space chosen (a WhatsApp or Telegram chat). A source may say so with `multi_channel`."""
    return bool(getattr(source, "multi_channel", source.key in {"slack", "discord"}))
