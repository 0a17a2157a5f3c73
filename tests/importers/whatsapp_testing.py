"""Reading WhatsApp exports in tests: from the shared samples (read in place) or from in-test strings."""

from __future__ import annotations

import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from townhall.importers.archive import open_archive
from townhall.importers.sources.base import Author, Conversation, Item, Record, Skipped
from townhall.importers.sources.whatsapp import WhatsAppSource

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "whatsapp"
UTC = ZoneInfo("UTC")


def parse_path(path: Path, *, zone: ZoneInfo = UTC) -> list[Record]:
    archive = open_archive(path)
    try:
        return list(WhatsAppSource().read(archive, zone=zone))
    finally:
        archive.close()


def parse_text(
    tmp_path: Path,
    text: str | bytes,
    *,
    name: str = "WhatsApp Chat with Test.txt",
    zone: ZoneInfo = UTC,
) -> list[Record]:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return parse_path(path, zone=zone)


def parse_zip(
    tmp_path: Path, members: dict[str, bytes], *, name: str = "WhatsApp Chat - Test.zip"
) -> list[Record]:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
    return parse_path(path)


def items(records: list[Record]) -> list[Item]:
    return [r for r in records if isinstance(r, Item)]


def skipped(records: list[Record]) -> list[Skipped]:
    return [r for r in records if isinstance(r, Skipped)]


def authors(records: list[Record]) -> list[Author]:
    return [r for r in records if isinstance(r, Author)]


def conversation(records: list[Record]) -> Conversation:
    (found,) = [r for r in records if isinstance(r, Conversation)]
    return found


def wall(item: Item) -> str:
    """The item's local wall time as the export wrote it, "2020-12-31 23:59:00"."""
    return item.at.replace(tzinfo=None).isoformat(sep=" ")
