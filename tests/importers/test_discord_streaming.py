"""A long DiscordChatExporter file is read as a stream: memory stays far below the file's size."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

from townhall.importers.archive import open_archive
from townhall.importers.sources.base import Item
from townhall.importers.sources.discord import DiscordSource

MESSAGES = 4_000


def write_long_export(path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{"guild": {"id": "1", "name": "Big"}, "channel": {"id": "2", "type": "GuildTextChat", "name": "c"},'
        )
        out.write('"messages": [')
        for n in range(MESSAGES):
            if n:
                out.write(",")
            out.write(
                f'{{"id": "{10**17 + n}", "type": "Default", "timestamp": "2024-03-01T10:00:00+00:00", '
                f'"content": "message {n} {"lorem ipsum " * 220}", '
                f'"author": {{"id": "{n % 50}", "name": "person{n % 50}", "isBot": false}}, '
                '"attachments": [], "embeds": [], "reactions": [], "mentions": []}'
            )
        out.write(f'], "messageCount": {MESSAGES}}}')


def test_a_long_export_is_read_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    write_long_export(path)
    size = path.stat().st_size
    archive = open_archive(path)

    tracemalloc.start()
    try:
        count = sum(
            1 for record in DiscordSource().read(archive, zone=ZoneInfo("UTC")) if isinstance(record, Item)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == MESSAGES
    assert size > 10_000_000
    assert peak < 1_500_000, f"peak {peak:,} bytes for a {size:,}-byte file"
