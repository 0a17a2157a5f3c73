"""Helpers for the Telegram parser's tests: write an export, read it back as records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from townhall.importers.archive import open_archive
from townhall.importers.sources.base import Author, Conversation, Item, Record, Skipped
from townhall.importers.sources.telegram import TelegramSource

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "telegram"
BERLIN = ZoneInfo("Europe/Berlin")


def read(path: Path, *, zone: ZoneInfo = BERLIN) -> list[Record]:
    archive = open_archive(path)
    try:
        return list(TelegramSource().read(archive, zone=zone))
    finally:
        archive.close()


def write(tmp_path: Path, data: Any, *, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def chat(*messages: dict[str, Any], **meta: Any) -> dict[str, Any]:
    """A one-chat export (Telegram Desktop's layout: name, type, id, then messages)."""
    return {
        "name": "Astro club",
        "type": "private_supergroup",
        "id": 4242,
        **meta,
        "messages": list(messages),
    }


def message(n: int, text: Any = "hi", **fields: Any) -> dict[str, Any]:
    return {
        "id": n, "type": "message", "date": "2024-03-01T10:00:00", "date_unixtime": str(1709287200 + n),
        "from": "Ana", "from_id": "user1", "text": text, **fields,
    }  # fmt: skip


def items(records: list[Record]) -> list[Item]:
    return [r for r in records if isinstance(r, Item)]


def authors(records: list[Record]) -> list[Author]:
    return [r for r in records if isinstance(r, Author)]


def conversations(records: list[Record]) -> list[Conversation]:
    return [r for r in records if isinstance(r, Conversation)]


def skipped(records: list[Record]) -> list[Skipped]:
    return [r for r in records if isinstance(r, Skipped)]


def one(tmp_path: Path, msg: dict[str, Any], **meta: Any) -> Item:
    found = items(read(write(tmp_path, chat(msg, **meta))))
    assert len(found) == 1, found
    return found[0]
