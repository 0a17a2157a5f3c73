"""Reading an export the way the importer does, and tallying what a parser yielded (for the Slack and
Discord tests, which compare the tally with counts taken straight from the raw JSON)."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from townhall.importers.archive import open_archive
from townhall.importers.sources.base import SYSTEM, Author, Conversation, Item, Record, Skipped, Source

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def read(source: Source, path: Path) -> list[Record]:
    archive = open_archive(path)
    try:
        return list(source.read(archive, zone=ZoneInfo("UTC")))
    finally:
        archive.close()


@dataclass
class Tally:
    authors: list[Author] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def messages(self) -> list[Item]:
        return [i for i in self.items if i.kind != SYSTEM]

    @property
    def system_events(self) -> list[Item]:
        return [i for i in self.items if i.kind == SYSTEM]

    @property
    def threads(self) -> set[str]:
        return {i.thread_id for i in self.items if i.thread_id}

    @property
    def reactions(self) -> int:
        return sum(len(i.reactions) for i in self.items)

    @property
    def attachments(self) -> int:
        return sum(len(i.attachments) for i in self.items)

    def item(self, source_id: str) -> Item:
        (found,) = [i for i in self.items if i.source_id == source_id]
        return found

    def author(self, source_id: str) -> Author:
        (found,) = [a for a in self.authors if a.source_id == source_id]
        return found


def tally(records: list[Record]) -> Tally:
    """Sort the records by kind, checking the order base.py promises on the way: every author and
    conversation an item names came before it, and nothing is yielded twice."""
    result = Tally()
    known_authors: set[str] = set()
    known_conversations: set[str] = set()
    for record in records:
        if isinstance(record, Author):
            assert record.source_id not in known_authors, f"author {record.source_id} yielded twice"
            known_authors.add(record.source_id)
            result.authors.append(record)
        elif isinstance(record, Conversation):
            assert record.source_id not in known_conversations, f"conversation {record.source_id} twice"
            known_conversations.add(record.source_id)
            result.conversations.append(record)
        elif isinstance(record, Item):
            assert record.conversation_id in known_conversations, record
            assert record.author_id is None or record.author_id in known_authors, record
            for reaction in record.reactions:
                assert set(reaction.author_ids) <= known_authors, reaction
            assert record.at.tzinfo is not None
            result.items.append(record)
        else:
            result.skipped.append(record)
    keys = Counter((i.conversation_id, i.source_id) for i in result.items)
    assert not [k for k, n in keys.items() if n > 1], "an item's source id repeats in its conversation"
    return result


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_zip(path: Path, members: dict[str, Any]) -> Path:
    """A zip whose members are JSON documents (or raw bytes / text given as such)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if isinstance(data, bytes):
                archive.writestr(name, data)
            elif isinstance(data, str):
                archive.writestr(name, data.encode())
            else:
                archive.writestr(name, json.dumps(data))
    return path
