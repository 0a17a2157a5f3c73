"""WhatsApp export formats, one feature at a time, on small exports written in the test."""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pytest
from whatsapp_testing import authors, conversation, items, parse_text, parse_zip, skipped, wall

from townhall.importers.sources.base import CHANNEL, DIRECT, SYSTEM, NotThisSource


def test_the_date_order_is_decided_by_the_whole_file_not_the_first_lines(tmp_path: Path) -> None:
    # 100 lines that read either way (day and month both 1..12), then line 101 that only reads day-first.
    lines = [f"{d:02d}/{m:02d}/21, 10:00 - Ann: message {m}-{d}" for m in range(1, 11) for d in range(1, 11)]
    day_first = parse_text(tmp_path, "\n".join([*lines, "13/10/21, 10:00 - Ann: the thirteenth"]))
    assert len(items(day_first)) == 101
    assert wall(items(day_first)[1]) == "2021-01-02 10:00:00"  # "02/01/21": the 2nd of January
    assert wall(items(day_first)[-1]) == "2021-10-13 10:00:00"
    swapped = [
        f"{m:02d}/{d:02d}/21, 10:00 - Ann: message {m}-{d}" for m in range(1, 11) for d in range(1, 11)
    ]
    month_first = parse_text(tmp_path, "\n".join([*swapped, "10/13/21, 10:00 - Ann: the thirteenth"]))
    assert wall(items(month_first)[1]) == "2021-01-02 10:00:00"  # "01/02/21": also the 2nd of January
    assert wall(items(month_first)[-1]) == "2021-10-13 10:00:00"


def test_when_no_date_decides_time_running_forwards_does(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "01/02/21, 10:00 - Ann: a",
            "05/02/21, 10:00 - Ann: b",
            "10/02/21, 10:00 - Ann: c",
            "02/03/21, 10:00 - Ann: d",
            "08/03/21, 10:00 - Ann: e",
        ]
    )
    # Month-first would jump January, May, October, then back to February: day-first it is.
    assert [wall(i)[:10] for i in items(parse_text(tmp_path, text))] == [
        "2021-02-01",
        "2021-02-05",
        "2021-02-10",
        "2021-03-02",
        "2021-03-08",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1/2/21, 10:00 - Ann: unpadded, two-digit year: a US phone", "2021-01-02 10:00:00"),
        ("01/02/21, 10:00 - Ann: padded: day-first, most of the world", "2021-02-01 10:00:00"),
        ("01/02/2021, 10:00 - Ann: four-digit year: day-first", "2021-02-01 10:00:00"),
        ("2021/01/02, 10:00 - Ann: year-first", "2021-01-02 10:00:00"),
        ("2021-01-02 10:00 - Ann: year-first with dashes", "2021-01-02 10:00:00"),
        ("02.01.21, 10:00 - Ann: dots", "2021-01-02 10:00:00"),
        ("[02.01.21, 10:00:59] Ann: iOS with dots and seconds", "2021-01-02 10:00:59"),
        ("[02/01/2021, 23:59:59] Ann: iOS", "2021-01-02 23:59:59"),
        ("[1/2/21, 3:04:05\u202fPM] Ann: iOS 12 h, narrow no-break space", "2021-01-02 15:04:05"),
        ("1/2/21, 12:04\u00a0AM - Ann: midnight, no-break space", "2021-01-02 00:04:00"),
        ("1/2/21, 12:30 PM - Ann: noon", "2021-01-02 12:30:00"),
        ("02/01/2021, 8:15 p. m. - Ann: Spanish", "2021-01-02 20:15:00"),
        ("02/01/2021, 8:15 p.\u00a0m. - Ann: Spanish with a no-break space", "2021-01-02 20:15:00"),
        ("02/01/2021 8:15 p.m. - Ann: no comma", "2021-01-02 20:15:00"),
        ("02/01/2021, 12:15 a. m. - Ann: a. m. at twelve", "2021-01-02 00:15:00"),
        ("2021/01/02, 13:34. - Ann: a dot after the time", "2021-01-02 13:34:00"),
        ("02/01/21 13:37:00 p.m. - Ann: 13 p.m. as written", "2021-01-02 13:37:00"),
        ("\u200e[02/01/2021, 10:00:00] Ann: a leading left-to-right mark", "2021-01-02 10:00:00"),
        ("\u200f02/01/2021, 10:00 - Ann: a right-to-left mark", "2021-01-02 10:00:00"),
        ("02/01/2021, 10.00 - Ann: dots in the time", "2021-01-02 10:00:00"),
        ("2021. 1. 2. 오후 3:04 - Ann: Korean, the afternoon before the time", "2021-01-02 15:04:00"),
        ("2021/1/2 下午3:04 - Ann: Chinese", "2021-01-02 15:04:00"),
        ("02/01/2021 à 15:04 - Ann: French", "2021-01-02 15:04:00"),
        ("2.1.2021 klo 15.04 - Ann: Finnish", "2021-01-02 15:04:00"),
    ],
)
def test_locales_and_clocks(tmp_path: Path, line: str, expected: str) -> None:
    (item,) = items(parse_text(tmp_path, line))
    assert wall(item) == expected
    assert item.author_id == "Ann"
    assert item.text == line.split(": ", 1)[1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("31/12/2563, 10:00 - Ann: Thai Buddhist era", "2020-12-31 10:00:00"),
        ("31/12/63, 10:00 - Ann: Buddhist era, two digits", "2020-12-31 10:00:00"),
        ("۱۳۹۹/۰۱/۰۱، ۱۰:۳۰ ب.ظ. - Ann: Persian digits, Solar Hijri, afternoon", "2020-03-20 22:30:00"),  # noqa: RUF001 (Arabic and Persian digits)
        ("٢٠/٠٨/٢٠٢٠، ١٠:٣٠ م - Ann: Eastern Arabic digits, Gregorian", "2020-08-20 22:30:00"),  # noqa: RUF001 (Arabic and Persian digits)
        ("٠١/٠١/١٤٤٢، ١٠:٣٠ ص - Ann: Eastern Arabic digits, Hijri", "2020-08-20 10:30:00"),  # noqa: RUF001 (Arabic and Persian digits)
        ("२०/०८/२०२०, १०:३० - Ann: Devanagari digits", "2020-08-20 10:30:00"),
    ],
)
def test_other_calendars_and_digits(tmp_path: Path, line: str, expected: str) -> None:
    (item,) = items(parse_text(tmp_path, line))
    assert wall(item) == expected


def test_bom_crlf_and_blank_lines_between_messages(tmp_path: Path) -> None:
    raw = (
        "\ufeff12/31/20, 23:58 - Ann: first\r\n\r\n"
        "12/31/20, 23:59 - Bob: second\r\nwith a second line\r\n\r\nand a blank one inside\r\n\r\n\r\n"
        "1/1/21, 00:00 - Ann: third"
    ).encode()
    found = items(parse_text(tmp_path, raw))
    assert [(i.author_id, i.text, i.line) for i in found] == [
        ("Ann", "first", 1),
        ("Bob", "second\nwith a second line\n\nand a blank one inside", 3),
        ("Ann", "third", 9),
    ]


def test_system_lines_are_events_with_their_actor(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "1/2/21, 10:00 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.",
            '1/2/21, 10:00 - Ann created group "Walkers"',
            "1/2/21, 10:01 - Ann added Bob",
            "1/2/21, 10:01 - You were added",
            "1/2/21, 10:02 - Bob: hello: all",
            "1/2/21, 10:03 - Bob left",
            "1/2/21, 10:04 - Ann removed Cid",
            '1/2/21, 10:05 - Ann changed the subject from "Walkers" to "Walkers: Sundays"',
            "1/2/21, 10:06 - Ann changed this group's icon",
            "1/2/21, 10:07 - Ann changed the group description",
            "1/2/21, 10:08 - Your security code with Bob changed. Tap to learn more.",
            "1/2/21, 10:09 - Dee joined using this group's invite link",
            "1/2/21, 10:10 - Bob: I left",
            "1/2/21, 10:11 - Gesprächsverlauf gelöscht",
        ]
    )
    records = parse_text(tmp_path, text)
    found = items(records)
    assert [(i.kind, i.system, i.author_id) for i in found] == [
        (SYSTEM, "encrypted", None),
        (SYSTEM, "created", "Ann"),
        (SYSTEM, "added", "Ann"),
        (SYSTEM, "added", None),
        ("message", "", "Bob"),
        (SYSTEM, "left", "Bob"),
        (SYSTEM, "removed", "Ann"),
        (SYSTEM, "renamed", "Ann"),
        (SYSTEM, "icon", "Ann"),
        (SYSTEM, "description", "Ann"),
        (SYSTEM, "security_code", "Bob"),
        (SYSTEM, "joined", "Dee"),
        ("message", "", "Bob"),  # Bob writes messages: "I left" is something he said
        (SYSTEM, "other", None),  # a system line in another language: kept, with its text
    ]
    assert found[7].text == 'Ann changed the subject from "Walkers" to "Walkers: Sundays"'
    assert found[-1].text == "Gesprächsverlauf gelöscht"
    assert conversation(records).name == "Walkers: Sundays"  # the latest subject
    assert conversation(records).source_id == "whatsapp:Walkers"  # the first, stable across renames
    assert conversation(records).kind == CHANNEL
    assert {a.source_id for a in authors(records)} == {"Ann", "Bob", "Dee"}


def test_ios_system_lines_written_as_the_group_speaking(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "[2/1/21, 10:00:00] Walkers: \u200eMessages and calls are end-to-end encrypted.",
            "[2/1/21, 10:00:01] Walkers: \u200eAnn created group \u201cWalkers\u201d",
            "[2/1/21, 10:00:02] Ann: \u200eimage omitted",
            "[2/1/21, 10:00:03] Ann: hi",
        ]
    )
    records = parse_text(tmp_path, text)
    found = items(records)
    assert [(i.kind, i.system, i.author_id) for i in found] == [
        (SYSTEM, "encrypted", None),
        (SYSTEM, "created", "Ann"),
        ("message", "", "Ann"),
        ("message", "", "Ann"),
    ]
    assert [a.name for a in found[2].attachments] == ["image not included in the export"]
    assert {a.name for a in authors(records)} == {"Ann"}  # the group is no author


def test_an_ios_chat_is_named_by_whoever_says_its_system_lines(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "[2/1/21, 10:00:00] Walkers: \u200eMessages and calls are end-to-end encrypted.",
            "[2/1/21, 10:00:03] Ann: hi",
        ]
    )
    records = parse_text(tmp_path, text, name="_chat.txt")
    assert conversation(records).name == "Walkers"


def test_deleted_edited_and_a_colon_without_a_space(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "1/2/21, 10:00 - Ann: This message was deleted",
            "1/2/21, 10:01 - Bob: You deleted this message",
            "1/2/21, 10:02 - Ann: fixed it <This message was edited>",
            "1/2/21, 10:03 - Ann:.",
        ]
    )
    found = items(parse_text(tmp_path, text))
    assert [(i.author_id, i.text, i.deleted, i.edited_at is not None) for i in found] == [
        ("Ann", "", True, False),
        ("Bob", "", True, False),
        ("Ann", "fixed it", False, True),
        ("Ann", ".", False, False),
    ]
    assert found[2].edited_at == found[2].at  # the export says that, not when


def test_media_in_every_form_without_the_files(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "1/2/21, 10:00 - Ann: <Media omitted>",
            "1/2/21, 10:01 - Ann: IMG-20210102-WA0001.jpg (file attached)",
            "look at this",
            "1/2/21, 10:02 - Ann: \u200e<attached: 00000012-PHOTO-2021-01-02-10-02-00.jpg>",
            "1/2/21, 10:03 - Ann: \u200evideo omitted",
        ]
    )
    found = items(parse_text(tmp_path, text))
    assert [(i.text, [(a.name, a.path) for a in i.attachments]) for i in found] == [
        ("", [("media not included in the export", "")]),
        ("look at this", [("IMG-20210102-WA0001.jpg", "")]),
        ("", [("00000012-PHOTO-2021-01-02-10-02-00.jpg", "")]),
        ("", [("video not included in the export", "")]),
    ]


def test_a_zip_with_media_points_at_the_files_it_holds(tmp_path: Path) -> None:
    chat = "\r\n".join(
        [
            "[2/1/21, 10:00:00] Ann: \u200e<attached: 00000012-PHOTO-2021-01-02-10-02-00.jpg>",
            "[2/1/21, 10:00:01] Ann: Report.pdf \u2022 3 pages \u200e<attached: 00000013-Report.pdf>",
            "[2/1/21, 10:00:02] Ann: \u200e<attached: 00000014-AUDIO-missing.opus>",
        ]
    ).encode()
    records = parse_zip(
        tmp_path,
        {
            "_chat.txt": chat,
            "00000012-PHOTO-2021-01-02-10-02-00.jpg": b"\xff\xd8jpeg",
            "00000013-Report.pdf": b"%PDF",
        },
        name="WhatsApp Chat - Walkers.zip",
    )
    found = items(records)
    assert [(i.text, [(a.name, a.path) for a in i.attachments]) for i in found] == [
        ("", [("00000012-PHOTO-2021-01-02-10-02-00.jpg", "00000012-PHOTO-2021-01-02-10-02-00.jpg")]),
        ("Report.pdf \u2022 3 pages", [("00000013-Report.pdf", "00000013-Report.pdf")]),
        ("", [("00000014-AUDIO-missing.opus", "")]),  # not in the zip: a name, no path
    ]
    assert conversation(records).name == "Walkers"  # from the zip's name


def test_an_android_zip_finds_its_chat_beside_the_media(tmp_path: Path) -> None:
    records = parse_zip(
        tmp_path,
        {
            "WhatsApp Chat with Walkers.txt": b"1/2/21, 10:00 - Ann: IMG-20210102-WA0001.jpg (file attached)\n",
            "IMG-20210102-WA0001.jpg": b"jpeg",
            "notes.txt": b"an attached text document",
        },
        name="upload.zip",
    )
    (item,) = items(records)
    assert [(a.name, a.path) for a in item.attachments] == [
        ("IMG-20210102-WA0001.jpg", "IMG-20210102-WA0001.jpg")
    ]
    assert conversation(records).name == "Walkers"


def test_polls(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "1/2/21, 10:00 - Ann: POLL:",
            "Where do we meet?",
            "OPTION: Bridge (2 votes)",
            "OPTION: Park (1 vote)",
            "OPTION: Pub (0 votes)",
            "1/2/21, 10:01 - Ann: POLL: is not always a poll",
        ]
    )
    first, second = items(parse_text(tmp_path, text))
    assert first.poll is not None
    assert first.poll.question == "Where do we meet?"
    assert first.poll.options == (("Bridge", 2), ("Park", 1), ("Pub", 0))
    assert first.text == "Where do we meet?"
    assert second.poll is None
    assert second.text == "POLL: is not always a poll"


def test_lines_that_look_like_a_head_but_name_no_real_time_are_skipped_with_their_line(
    tmp_path: Path,
) -> None:
    text = "\n".join(
        [
            "1/2/21, 10:00 - Ann: fine",
            "1/32/21, 10:00 - Ann: no 32nd day",
            "its second line",
            "1/2/21, 25:00 - Ann: no 25th hour",
            "1/2/21, 10:01 - Ann: fine again",
        ]
    )
    records = parse_text(tmp_path, text)
    assert [i.text for i in items(records)] == ["fine", "fine again"]
    assert [(s.line, s.reason, s.text) for s in skipped(records)] == [
        (
            2,
            "the date or time is not a real one (and 1 following line of that message)",
            "1/32/21, 10:00 - Ann: no 32nd day",
        ),
        (4, "the date or time is not a real one", "1/2/21, 25:00 - Ann: no 25th hour"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "is empty"),
        (b'{"messages": []}', "not a WhatsApp chat export"),
        (b"Dear all,\n1/2/21, 10:00 - Ann: hi", "not a WhatsApp chat export"),
    ],
)
def test_not_a_whatsapp_export(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(content)
    from townhall.importers.archive import FileArchive
    from townhall.importers.sources.whatsapp import WhatsAppSource

    with pytest.raises(NotThisSource, match=message):
        list(WhatsAppSource().read(FileArchive(path), zone=ZoneInfo("UTC")))


def test_a_zip_without_a_chat_is_not_whatsapp(tmp_path: Path) -> None:
    with pytest.raises(NotThisSource, match="holds no WhatsApp chat"):
        parse_zip(tmp_path, {"a.json": b"{}", "b.json": b"{}"})


def test_times_are_aware_in_the_zone_given(tmp_path: Path) -> None:
    (item,) = items(parse_text(tmp_path, "7/1/21, 10:00 - Ann: summer", zone=ZoneInfo("Europe/Berlin")))
    assert item.at.isoformat() == "2021-07-01T10:00:00+02:00"


def test_daylight_saving_changes_are_resolved_the_same_way_every_time(tmp_path: Path) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    text = "\n".join(
        [
            "3/28/21, 02:30 - Ann: a time the clock skipped",
            "10/31/21, 02:10 - Ann: before the clock goes back",
            "10/31/21, 02:50 - Ann: still before",
            "10/31/21, 02:05 - Ann: after it went back",
            "10/31/21, 02:40 - Ann: also after",
            "10/31/21, 03:10 - Ann: standard time",
        ]
    )
    found = items(parse_text(tmp_path, text, zone=berlin))
    assert [i.at.isoformat() for i in found] == [
        "2021-03-28T03:30:00+02:00",  # moved forward by the gap
        "2021-10-31T02:10:00+02:00",  # the first of the two 02:10s
        "2021-10-31T02:50:00+02:00",
        "2021-10-31T02:05:00+01:00",  # the chat is past 02:50 summer time: the second 02:05
        "2021-10-31T02:40:00+01:00",
        "2021-10-31T03:10:00+01:00",
    ]


def test_fingerprints_are_stable_count_duplicates_and_survive_a_longer_export(tmp_path: Path) -> None:
    older = "\n".join(
        [
            "1/2/21, 10:00 - Ann: hi",
            "1/2/21, 10:00 - Ann: hi",  # the same text twice in one minute: two messages
            "1/2/21, 10:01 - Bob: hello",
        ]
    )
    newer = older + "\n1/3/21, 09:00 - Ann: next day\n1/3/21, 09:00 - Ann: hi"
    first = [i.source_id for i in items(parse_text(tmp_path, older))]
    again = [i.source_id for i in items(parse_text(tmp_path, older))]
    longer = [i.source_id for i in items(parse_text(tmp_path, newer, name="WhatsApp Chat with Test (2).txt"))]
    assert first == again
    assert len(set(first)) == 3
    assert longer[:3] == first
    assert len(set(longer)) == 5


def test_a_two_person_chat_is_direct_and_names_both(tmp_path: Path) -> None:
    records = parse_text(
        tmp_path,
        "1/2/21, 10:00 - Ann: hi\n1/2/21, 10:01 - +44 7700 900123: hello",
        name="WhatsApp Chat with Bob.txt",
    )
    conv = conversation(records)
    assert (conv.kind, conv.name, conv.member_ids) == (DIRECT, "Bob", ("+44 7700 900123", "Ann"))
    # Both are announced before the conversation that names them; a phone number is also the handle.
    assert [type(r).__name__ for r in records[:3]] == ["Author", "Author", "Conversation"]
    assert {(a.name, a.handle) for a in authors(records)} == {
        ("Ann", ""),
        ("+44 7700 900123", "+44 7700 900123"),
    }


def test_the_file_is_streamed_twice_never_held_whole(tmp_path: Path) -> None:
    """Two passes over the stream (the date order needs the whole file first), read line by line."""
    from townhall.importers.archive import FileArchive
    from townhall.importers.sources.whatsapp import WhatsAppSource

    path = tmp_path / "WhatsApp Chat with Test.txt"
    path.write_text("".join(f"1/{d}/21, 10:00 - Ann: line {d}\n" for d in range(1, 29)) * 50)
    reads: list[int] = []
    opens: list[str] = []

    class Chunks(io.RawIOBase):
        def __init__(self, inner: IO[bytes]) -> None:
            self.inner = inner

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            data = self.inner.read(len(buffer))
            reads.append(len(buffer))
            buffer[: len(data)] = data
            return len(data)

        def close(self) -> None:
            self.inner.close()
            super().close()

    class Counting(FileArchive):
        def open(self, name: str) -> IO[bytes]:
            opens.append(name)
            return Chunks(super().open(name))  # type: ignore[return-value]

    records = list(WhatsAppSource().read(Counting(path), zone=ZoneInfo("UTC")))
    assert len(items(records)) == 1400
    assert opens == ["WhatsApp Chat with Test.txt"] * 2
    assert reads  # read in chunks...
    assert all(0 < size < path.stat().st_size for size in reads)  # ...never all at once


def test_a_file_without_line_breaks_or_a_giant_message_is_read_in_bounded_pieces(tmp_path: Path) -> None:
    giant = "1/2/21, 10:00 - Ann: start\n" + ("x" * 1000 + "\n") * 1500 + "1/2/21, 10:01 - Ann: after"
    records = parse_text(tmp_path, giant)
    first, after = items(records)
    assert len(first.text) < 1_100_000
    assert after.text == "after"
    (report,) = skipped(records)
    assert report.line == 1
    assert "longer than WhatsApp allows" in report.reason
    with pytest.raises(NotThisSource, match="not a WhatsApp chat export"):
        parse_text(tmp_path, "y" * 3_000_000)  # one 3 MB line: never held whole
