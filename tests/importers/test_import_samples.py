"""Every sample export in ../shared/samples imports end to end through the real parser and the store:
no crash, every message the parser read is stored (or reported as skipped with its reason), and a
second import of the same file adds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import factories as testing
from townhall.chat.models import Message
from townhall.importers import actions
from townhall.importers.archive import open_archive
from townhall.importers.registry import get_source, is_multi_channel
from townhall.importers.sources.base import MESSAGE, SYSTEM, Item

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
SKIP_NAMES = {"SOURCES.md"}


def _samples() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for source, pattern in (
        ("whatsapp", "whatsapp/*.txt"),
        ("whatsapp", "whatsapp/*.zip"),
        ("slack", "slack/slackdump_source_export.zip"),
        ("slack", "slack/slackdump_source_export_dir"),
        ("discord", "discord/*.json"),
        ("telegram", "telegram/*_result.json"),
        ("telegram", "telegram/chatanalytics_*.json"),
    ):
        found += [(source, path) for path in sorted(SAMPLES.glob(pattern)) if path.name not in SKIP_NAMES]
    return found


def _parsed(source_key: str, path: Path) -> tuple[int, int]:
    """(messages, system events) as the parser alone reads them."""
    archive = open_archive(path)
    try:
        items = [r for r in get_source(source_key).read(archive, zone=ZoneInfo("UTC")) if isinstance(r, Item)]
    finally:
        archive.close()
    return sum(i.kind == MESSAGE for i in items), sum(i.kind == SYSTEM for i in items)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared samples are not beside the checkout")
@pytest.mark.parametrize(("source_key", "path"), _samples(), ids=lambda v: getattr(v, "name", v))
def test_every_sample_imports_whole_and_only_once(source_key: str, path: Path, owner: Any) -> None:
    multi = is_multi_channel(get_source(source_key))
    target = None if multi else testing.make_space(f"Archive {path.stem[:40]}", kind="chat")
    messages, system_events = _parsed(source_key, path)

    first = actions.import_now(source_key, path, space=target)

    report = first.report
    assert report.messages == messages, report.skipped
    assert report.system_events == system_events
    stored = Message.objects.filter(space_id__in=report.space_ids).count()
    assert stored == messages
    again = actions.import_now(source_key, path, space=target).report
    assert again.messages == 0 and again.system_events == 0
    assert again.already_imported == messages + system_events
    assert Message.objects.filter(space_id__in=report.space_ids).count() == stored
