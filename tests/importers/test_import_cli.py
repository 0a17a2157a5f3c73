"""`townhall import SOURCE FILE`: the report (and its JSON last line), --dry-run, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from toysource import history, jsonl, png, zipped

import factories as testing
from townhall import cli
from townhall.chat.models import Message
from townhall.importers.models import ImportRun
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_migrate_quietly", lambda: None)  # the test database is migrated


@pytest.fixture
def garden(community: Any) -> Space:
    return testing.make_space("Garden archive", slug="garden", kind="chat")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "garden.zip"
    path.write_bytes(zipped(history(), {"media/plan.png": png()}))
    return path


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli.main, ["import", *args])


def test_an_import_prints_its_report_and_ends_with_one_json_object(garden: Space, export: Path) -> None:
    result = _run("toychat", str(export), "--space", "garden", "--timezone", "Europe/Madrid", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {
        "source": "toychat", "dry_run": False, "messages": 8, "authors": 3, "conversations": 1, "spaces_created": 0,
        "threads": 1, "replies": 1, "reactions": 2, "attachments": 1, "system_events": 2, "already_imported": 0,
        "skipped": 3, "first_message_at": "2023-03-01T09:01:00+01:00", "last_message_at": "2023-03-01T09:09:00+01:00",
    }  # fmt: skip
    assert Message.objects.filter(space=garden).count() == 8
    assert ImportRun.objects.get().state == ImportRun.DONE
    assert "100%" in result.stderr  # the progress bar
    again = json.loads(
        _run("toychat", str(export), "--space", "garden", "--json").stdout.strip().splitlines()[-1]
    )
    assert again["messages"] == 0 and again["already_imported"] == 10


def test_a_dry_run_stores_nothing(garden: Space, export: Path) -> None:
    result = _run("toychat", str(export), "--space", "garden", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dry_run"] is True and report["messages"] == 8 and report["authors"] == 3
    assert Message.objects.count() == 0 and ImportRun.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--space", "nowhere"], "no space with the slug 'nowhere'"),
        (["--space", "garden", "--timezone", "Mars/Olympus"], "is not a time zone"),
        ([], "Choose the chat space"),
    ],
)
def test_bad_choices_are_one_line_errors(garden: Space, export: Path, args: list[str], message: str) -> None:
    result = _run("toychat", str(export), *args)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.output
    assert Message.objects.count() == 0


def test_unknown_sources_wrong_files_and_unsafe_archives_are_one_line_errors(
    garden: Space, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    other = tmp_path / "notes.txt"
    other.write_bytes(jsonl([{"type": "nope"}]))
    for args, message in [
        (["myspace", str(other)], "no importer for 'myspace'"),
        (["toychat", str(empty)], "is empty"),
        (["toychat", str(other)], "not a toy chat export"),
        (["toychat", str(tmp_path / "missing.zip")], "does not exist"),
    ]:
        result = _run(*args, "--space", "garden")
        assert result.exit_code == 1, result.output
        assert message in result.stderr and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1
    assert Message.objects.count() == 0


def test_a_failing_import_stores_nothing_and_records_the_failure(garden: Space, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        jsonl(
            [
                *history()[:8],
                {
                    "type": "message",
                    "id": "z",
                    "at": "2023-03-01T10:00:00+00:00",
                    "author": "ana",
                    "text": "\x00",
                },
            ]
        )
    )
    result = _run("toychat", str(path), "--space", "garden")
    assert result.exit_code == 1 and "Nothing was imported" in result.stderr
    assert Message.objects.count() == 0 and ImportRun.objects.get().state == ImportRun.FAILED
