"""A tiny source for the importers' tests: one JSON record per line (`chat.jsonl`, alone or in a zip
with its media). It is not a real platform; the parsers have their own tests."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from townhall.importers.archive import Archive, iter_lines
from townhall.importers.sources.base import (
    Attachment,
    Author,
    Conversation,
    Item,
    NotThisSource,
    Poll,
    Reaction,
    Record,
    Skipped,
)

KEY = "toychat"


class ToySource:
    key = KEY
    label = "Toy chat"

    def read(self, archive: Archive, *, zone: ZoneInfo) -> Iterator[Record]:
        names = [n for n in archive.names() if n.endswith(".jsonl")]
        if not names:
            raise NotThisSource(f"{archive.name} is not a toy chat export (no .jsonl file inside).")
        with archive.open(names[0]) as stream:
            for number, line in enumerate(iter_lines(stream), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    yield Skipped(number, "Not a JSON record.", line[:200])
                    continue
                if number == 1 and record.get("type") not in {"author", "conversation", "message", "system"}:
                    raise NotThisSource(f"{archive.name} is not a toy chat export.")
                found = _record(record, number, zone)
                if found is None:
                    yield Skipped(number, f"Unknown record type {record.get('type')!r}.", line[:200])
                else:
                    yield found


class MultiToySource(ToySource):
    key = "toyteam"
    label = "Toy team"
    multi_channel = True


def _at(value: str, zone: ZoneInfo) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=zone)


def _record(r: dict[str, Any], number: int, zone: ZoneInfo) -> Record | None:
    kind = r.get("type")
    if kind == "author":
        return Author(source_id=r["id"], name=r.get("name", r["id"]), handle=r.get("handle", ""))
    if kind == "conversation":
        return Conversation(
            source_id=r["id"], name=r.get("name", r["id"]), kind=r.get("kind", "channel"),
            topic=r.get("topic", ""), member_ids=tuple(r.get("members", ())),
        )  # fmt: skip
    if kind in {"message", "system"}:
        return Item(
            source_id=r["id"], conversation_id=r.get("conversation", "main"), at=_at(r["at"], zone),
            author_id=r.get("author"), text=r.get("text", ""), kind=kind, system=r.get("system", ""),
            thread_id=r.get("thread"), thread_name=r.get("thread_name", ""), reply_to_id=r.get("reply_to"),
            edited_at=_at(r["edited_at"], zone) if r.get("edited_at") else None, deleted=r.get("deleted", False),
            forwarded_from=r.get("forwarded_from", ""),
            attachments=tuple(Attachment(**a) for a in r.get("attachments", ())),
            reactions=tuple(
                Reaction(emoji=x["emoji"], author_ids=tuple(x.get("by", ())), count=x.get("count", 0))
                for x in r.get("reactions", ())
            ),
            poll=Poll(r["poll"]["question"], tuple(tuple(o) for o in r["poll"]["options"])) if r.get("poll") else None,  # type: ignore[misc]
            line=number,
        )  # fmt: skip
    return None


def jsonl(records: list[Any]) -> bytes:
    """One line per record; a plain string is written as it is (a line that is not JSON)."""
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    ).encode()


def zipped(records: list[Any], media: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("chat.jsonl", jsonl(records))
        for name, data in (media or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def png() -> bytes:
    """A small real PNG (the upload checks sniff and re-encode images)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def history() -> list[Any]:
    """A small group chat: three people, a thread, a quoted reply, reactions, an edit, a deletion, a
    poll, a file and system events."""
    return [
        {"type": "author", "id": "ana", "name": "Ana Pérez", "handle": "+34 600 000 001"},
        {"type": "author", "id": "ben", "name": "Ben Okafor"},
        {"type": "author", "id": "chen", "name": "Chen Li"},
        {"type": "conversation", "id": "main", "name": "Garden group"},
        {
            "type": "system",
            "id": "s1",
            "at": "2023-03-01T09:00:00+01:00",
            "author": "ana",
            "system": "created",
            "text": "Ana created the group",
        },
        {
            "type": "message",
            "id": "m1",
            "at": "2023-03-01T09:01:00+01:00",
            "author": "ana",
            "text": "Welcome to the *garden* group!",
        },
        {
            "type": "message",
            "id": "m2",
            "at": "2023-03-01T09:02:00+01:00",
            "author": "ben",
            "text": "Thanks Ana",
            "reactions": [{"emoji": "👍", "by": ["ana", "chen"]}, {"emoji": "🌻", "count": 3}],
        },
        {
            "type": "message",
            "id": "m3",
            "at": "2023-03-01T09:03:00+01:00",
            "author": "chen",
            "text": "When do we plant?",
            "thread": "m3",
        },
        {
            "type": "message",
            "id": "m4",
            "at": "2023-03-01T09:04:00+01:00",
            "author": "ana",
            "text": "Saturday",
            "thread": "m3",
        },
        {
            "type": "message",
            "id": "m5",
            "at": "2023-03-01T09:05:00+01:00",
            "author": "ben",
            "text": "I will bring seeds",
            "reply_to": "m4",
            "edited_at": "2023-03-01T09:06:00+01:00",
        },
        {
            "type": "message",
            "id": "m6",
            "at": "2023-03-01T09:07:00+01:00",
            "author": "chen",
            "text": "",
            "deleted": True,
        },
        {
            "type": "message",
            "id": "m7",
            "at": "2023-03-01T09:08:00+01:00",
            "author": "ana",
            "text": "Lunch?",
            "poll": {"question": "Lunch?", "options": [["Soup", 2], ["Salad", 1]]},
        },
        {
            "type": "message",
            "id": "m8",
            "at": "2023-03-01T09:09:00+01:00",
            "author": "ben",
            "text": "The plan",
            "attachments": [
                {"name": "plan.png", "path": "media/plan.png"},
                {"name": "map", "url": "https://example.org/map"},
            ],
        },
        {"type": "bogus", "id": "x"},
        "not json",
        {
            "type": "system",
            "id": "s2",
            "at": "2023-03-01T10:00:00+01:00",
            "author": "chen",
            "system": "left",
            "text": "Chen left",
        },
    ]
