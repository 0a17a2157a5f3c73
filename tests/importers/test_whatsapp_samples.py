"""Every WhatsApp sample in the shared folder parses without a crash, and agrees with the oracle.

The oracle is chat-miner's expected output (`chat-miner_expected/`): one row per message with its
timestamp, author and text. Where its meaning matches ours, every row must agree; where it differs,
the comparison says why:

- chat-miner joins a multi-line message with spaces; Townhall keeps the line breaks.
- chat-miner turns a no-break space inside a message into a plain space; Townhall keeps the text as
  written.
- chat-miner's CSV names the author of a system line "System"; Townhall keeps it as a system event
  (its actor, when the line names one, is the author).
- "John Doe:." (a colon with nothing after it but a dot) is "<Disappearing Message>" in chat-miner's
  CSV and dropped by its newer JSON; Townhall keeps the message as written, "." by John Doe, because
  nothing in the export says what it was.
- chat-miner's newer JSON drops system lines; Townhall keeps them as events, so they are left out of
  that comparison only.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from whatsapp_testing import SAMPLES, authors, conversation, items, parse_path, skipped, wall

from townhall.importers.sources.base import DIRECT, MESSAGE, SYSTEM, Author, Item, Source
from townhall.importers.sources.whatsapp import WhatsAppSource

ORACLE = SAMPLES / "chat-miner_expected"
ALL_SAMPLES = sorted(p for p in SAMPLES.iterdir() if p.is_file() and p.suffix in {".txt", ".zip"})

# Which input each expected output describes.
CSV_INPUTS = {
    "chatminer_dateformat1_target.csv": "chatminer_dateformat1.txt",
    "chatminer_dateformat2_target.csv": "chatminer_dateformat2.txt",
    "chatminer_dateformat3_target.csv": "chatminer_dateformat3.txt",
    "chatminer_dateformat4_target.csv": "chatminer_dateformat4.txt",
    "chatminer_dateformat5_target.csv": "chatminer_dateformat5.txt",
    "chatminer_dateformat6_target.csv": "chatminer_dateformat6.txt",
    "chatminer_unicode_target.csv": "chatminer_unicode_nbsp_emoji.txt",
}
# chat-miner's HEAD target describes one chat that five samples write in five formats.
JSON_INPUTS = [
    "chatminer_android_ddmmyy_24h.txt",
    "chatminer_android_mmddyy_24h.txt",
    "chatminer_android_mmddyyyy_12h_spanish_am_pm.txt",
    "chatminer_android_yyyymmdd_slash_24h.txt",
    "chatminer_ios_brackets_mmddyy_24h.txt",
]


def _as_chatminer(item: Item) -> tuple[str, str, str]:
    """Our item in chat-miner's terms (see the module docstring for each difference)."""
    author = "System" if item.kind == SYSTEM else (item.author_id or "")
    text = " ".join(item.text.split("\n")).replace("\u00a0", " ")
    if item.kind == MESSAGE and item.text == ".":
        text = "<Disappearing Message>"
    return wall(item), author, text


def test_the_parser_is_a_source() -> None:
    source: Source = WhatsAppSource()
    assert (source.key, source.label) == ("whatsapp", "WhatsApp")


def test_the_samples_are_all_there() -> None:
    assert len(ALL_SAMPLES) == 16
    assert set(CSV_INPUTS.values()) | set(JSON_INPUTS) <= {p.name for p in ALL_SAMPLES}


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=lambda p: p.name)
def test_every_sample_parses_with_nothing_skipped(path: Path) -> None:
    records = parse_path(path)
    found = items(records)
    assert found, path.name
    assert skipped(records) == []
    # An author is announced before the first item that names them.
    announced: set[str] = set()
    for record in records:
        if isinstance(record, Author):
            announced.add(record.source_id)
        elif isinstance(record, Item) and record.author_id is not None:
            assert record.author_id in announced
    assert len({i.source_id for i in found}) == len(found)
    assert all(i.at.tzinfo is not None for i in found)


@pytest.mark.parametrize("target", sorted(CSV_INPUTS), ids=str)
def test_the_csv_oracle_agrees_row_by_row(target: str) -> None:
    with (ORACLE / target).open(encoding="utf-8", newline="") as f:
        expected = Counter((row["timestamp"], row["author"], row["message"]) for row in csv.DictReader(f))
    ours = Counter(_as_chatminer(i) for i in items(parse_path(SAMPLES / CSV_INPUTS[target])))
    assert ours == expected


@pytest.mark.parametrize("name", JSON_INPUTS)
def test_the_json_oracle_agrees_for_every_format_of_the_same_chat(name: str) -> None:
    rows = json.loads((ORACLE / "chatminer_whatsapp_target_HEAD.json").read_text(encoding="utf-8"))
    expected = Counter((r["timestamp"].replace("T", " "), r["author"], r["message"]) for r in rows)
    found = items(parse_path(SAMPLES / name))
    kept = [i for i in found if i.kind == MESSAGE and i.text != "."]
    assert Counter(_as_chatminer(i) for i in kept) == expected
    # What the JSON leaves out is still here: two system events and the "." message.
    assert [(i.system, i.author_id) for i in found if i.kind == SYSTEM] == [
        ("created", "+12 345 578"),
        ("added", None),
    ]
    assert [i.text for i in found if i.text == "."] == ["."]
    assert conversation(parse_path(SAMPLES / name)).name == "Groupname"


def test_the_day_first_and_month_first_copies_of_one_chat_give_the_same_times() -> None:
    day_first = items(parse_path(SAMPLES / "chatminer_android_ddmmyy_24h.txt"))
    month_first = items(parse_path(SAMPLES / "chatminer_android_mmddyy_24h.txt"))
    assert [wall(i) for i in day_first] == [wall(i) for i in month_first]
    assert wall(day_first[3]) == "2020-06-10 15:55:00"
    # Same wall time, author and text: the same fingerprint, whatever the format.
    assert [i.source_id for i in day_first] == [i.source_id for i in month_first]


def test_media_omitted_and_a_message_out_of_time_order() -> None:
    records = parse_path(SAMPLES / "chatanalytics_2A_5M_media_omitted_out_of_order.txt")
    found = items(records)
    assert [(wall(i)[11:16], i.author_id) for i in found] == [
        ("12:00", "A"),
        ("12:01", "B"),
        ("12:02", "A"),
        ("12:03", "B"),
        ("12:02", "A"),
    ]
    media = found[3]
    assert media.text == ""
    assert [(a.name, a.path) for a in media.attachments] == [("media not included in the export", "")]
    # Two people and no group event: a direct conversation between them.
    assert conversation(records).kind == DIRECT
    assert conversation(records).member_ids == ("A", "B")
    assert wall(found[0]) == "2021-01-01 12:00:00"


def test_the_phone_zip_and_its_text_read_the_same() -> None:
    from_zip = parse_path(SAMPLES / "chatanalytics_4A_11M_export.zip")
    from_txt = parse_path(SAMPLES / "chatanalytics_4A_11M_group_system_msgs_zwj_emoji.txt")
    assert items(from_zip) == items(from_txt)  # CRLF inside the zip, LF in the text
    found = items(from_zip)
    assert len(found) == 14
    assert [(i.system, i.author_id) for i in found if i.kind == SYSTEM] == [
        ("encrypted", None),
        ("created", "Alice"),
        ("added", "Alice"),
    ]
    assert conversation(from_zip).name == "Some cool group chat"
    assert {a.name for a in authors(from_zip)} == {"Alice", "Bob", "Eve", "Mallory", "Trent"}
    assert found[11].text == "\U0001f469\U0001f3fb\u200d\u2696\ufe0f"  # the ZWJ sequence, whole
    # "12/9/20" with unpadded numbers and a two-digit year: a US phone, so December 9th.
    assert wall(found[3]) == "2020-12-09 23:55:00"


def test_the_mixed_formats_torture_file_reads_every_line() -> None:
    found = items(parse_path(SAMPLES / "chatminer_testlog_mixed_formats_torture.txt"))
    assert len(found) == 23  # 29 lines, of which six continue a message
    by_text = {i.text: i for i in found}
    assert wall(by_text["Testing am"]) == "2019-09-24 11:30:00"
    assert wall(by_text["Hello world"]) == "2019-09-24 23:30:00"
    assert wall(by_text["Testing date dashes"]) == "2022-09-10 22:37:00"
    assert wall(by_text["Testing dash - in message body"]) == "2021-10-24 15:21:43"
    assert wall(by_text["Testing emoji \U0001f913 with yyyy first"]) == "2022-12-24 13:01:00"
    assert by_text["Testing dash - in message body"].author_id == "John-John Doe"
