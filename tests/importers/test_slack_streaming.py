"""A long Slack day file is read as a stream: memory stays far below the export's size."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from zoneinfo import ZoneInfo

from townhall.importers.archive import open_archive
from townhall.importers.sources.base import Item
from townhall.importers.sources.slack import SlackSource

MESSAGES = 4_000


def test_a_long_day_file_is_read_in_flat_memory(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text(json.dumps([{"id": "U1", "name": "alice"}]))
    (tmp_path / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}]))
    (tmp_path / "general").mkdir()
    with (tmp_path / "general" / "2024-03-01.json").open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(MESSAGES):
            if n:
                out.write(",")
            text = f"message {n} *{'lorem ipsum ' * 220}*"
            out.write(
                json.dumps({"type": "message", "ts": f"{1709251200 + n}.000100", "user": "U1", "text": text})
            )
        out.write("]")
    size = (tmp_path / "general" / "2024-03-01.json").stat().st_size
    archive = open_archive(tmp_path)

    tracemalloc.start()
    try:
        count = sum(
            1 for record in SlackSource().read(archive, zone=ZoneInfo("UTC")) if isinstance(record, Item)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == MESSAGES
    assert size > 10_000_000
    assert peak < 1_500_000, f"peak {peak:,} bytes for a {size:,}-byte file"
