"""The store: an export's records become chat history, faithfully, once, all or nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from toysource import MultiToySource, ToySource, history, jsonl, png, zipped

import factories as testing
from townhall.accounts.models import User
from townhall.chat.models import Message, MessageAttachment, MessageReaction
from townhall.importers.archive import open_archive
from townhall.importers.models import ImportedItem, Placeholder, SystemEvent
from townhall.importers.store import ImportFailed, Target, store_records
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
EDITED = datetime(2023, 3, 1, 8, 6, tzinfo=UTC)  # the toy history's edit, 09:06 at +01:00


def _file(
    tmp_path: Path, records: list[Any], *, media: dict[str, bytes] | None = None, name: str = "chat.zip"
) -> Path:
    path = tmp_path / name
    path.write_bytes(zipped(records, media) if name.endswith(".zip") else jsonl(records))
    return path


def _store(path: Path, *, space: Space | None = None, source: Any = None, **kw: Any) -> Any:
    source = source or ToySource()
    archive = open_archive(path)
    try:
        return store_records(
            source.read(archive, zone=UTC), source=source.key, multi_channel=getattr(source, "multi_channel", False),
            target=kw.pop("target", Target(space=space)), archive=archive, **kw,
        )  # fmt: skip
    finally:
        archive.close()


@pytest.fixture
def garden(community: Any, owner: Any) -> Space:
    return testing.make_space("Garden archive", kind="chat", members=[owner])


def test_a_group_chat_is_stored_with_its_threads_quotes_reactions_files_and_events(
    tmp_path: Path, garden: Space
) -> None:
    path = _file(tmp_path, history(), media={"media/plan.png": png()})
    report = _store(path, space=garden)

    messages = {
        m.body.splitlines()[-1]: m for m in Message.objects.filter(space=garden).select_related("author")
    }
    assert report.messages == 8 and Message.objects.filter(space=garden).count() == 8
    assert report.authors == 3 and report.system_events == 2 and report.threads == 1 and report.replies == 1
    # Source times kept, in their offset.
    welcome = messages["Welcome to the *garden* group!"]
    assert welcome.created_at.isoformat() == "2023-03-01T08:01:00+00:00"
    assert welcome.author.name == "Ana Pérez"
    # The thread: Chen's question is its root, Ana's answer a reply.
    root = messages["When do we plant?"]
    reply = messages["Saturday"]
    assert reply.thread_root_id == root.pk and Message.objects.get(pk=root.pk).reply_count == 1
    # The quoted reply, the edit, the deletion, the poll, the link and the file.
    seeds = messages["I will bring seeds"]
    assert seeds.body.startswith("> **Ana Pérez**: Saturday") and seeds.edited_at == EDITED
    gone = Message.objects.get(body__contains="This message was deleted")
    assert gone.deleted_at is not None and gone.deleted_at == gone.created_at  # deleted where it was sent
    assert "- Soup (2 votes)" in Message.objects.get(body__contains="Lunch?").body
    plan = Message.objects.get(body__startswith="The plan")
    assert "📎 [map](https://example.org/map)" in plan.body
    assert MessageAttachment.objects.filter(message=plan).count() == 1 and report.attachments == 1
    # Reactions with who reacted; a count without people is reported, not invented.
    assert sorted(MessageReaction.objects.filter(message=messages["Thanks Ana"]).values_list("emoji", "user__display_name")) == [
        ("👍", "Ana Pérez"), ("👍", "Chen Li"),
    ]  # fmt: skip
    reasons = [s["reason"] for s in report.skipped]
    assert any("🌻" in r and "without who reacted" in r for r in reasons)
    # System events are not posts; unreadable lines are reported with their line numbers.
    assert list(SystemEvent.objects.values_list("kind", flat=True)) == ["created", "left"]
    assert {s["line"] for s in report.skipped if "JSON" in s["reason"] or "Unknown" in s["reason"]} == {
        14,
        15,
    }
    assert report.first_at.isoformat() == "2023-03-01T09:01:00+01:00"


def test_the_same_export_twice_adds_nothing(tmp_path: Path, garden: Space) -> None:
    path = _file(tmp_path, history(), media={"media/plan.png": png()})
    _store(path, space=garden)
    before = (
        Message.objects.count(),
        MessageReaction.objects.count(),
        SystemEvent.objects.count(),
        User.objects.count(),
    )
    again = _store(path, space=garden)
    assert again.messages == 0 and again.already_imported == 10 and again.authors == 0
    assert (
        Message.objects.count(),
        MessageReaction.objects.count(),
        SystemEvent.objects.count(),
        User.objects.count(),
    ) == before


def test_a_newer_export_adds_only_the_new_messages_and_threads_on_old_roots(
    tmp_path: Path, garden: Space
) -> None:
    older = history()[:9]
    _store(_file(tmp_path, older, name="old.jsonl"), space=garden)
    newer = [*older, {"type": "message", "id": "m9", "at": "2023-03-02T09:00:00+01:00", "author": "chen", "text": "Planted!", "thread": "m3"},
             {"type": "message", "id": "m10", "at": "2023-03-02T09:01:00+01:00", "author": "ana", "text": "Great", "reply_to": "m9"}]  # fmt: skip
    report = _store(_file(tmp_path, newer, name="new.jsonl"), space=garden)
    assert report.messages == 2 and report.replies == 1
    root = Message.objects.get(body="When do we plant?")
    assert root.reply_count == 2
    assert Message.objects.get(body__endswith="Great").body.startswith("> **Chen Li**: Planted!")


def test_a_failure_in_the_middle_stores_nothing(tmp_path: Path, garden: Space) -> None:
    records = [*history()[:6]] + [
        {
            "type": "message",
            "id": f"n{i}",
            "at": "2023-03-01T11:00:00+01:00",
            "author": "ana",
            "text": f"hello {i}",
        }
        for i in range(30)
    ]
    records.append(
        {"type": "message", "id": "bad", "at": "2023-03-01T12:00:00+01:00", "author": "ana", "text": "a\x00b"}
    )
    users = User.objects.count()
    with pytest.raises(ImportFailed, match="NUL"):
        _store(_file(tmp_path, records, name="bad.jsonl"), space=garden, batch_size=5)
    assert Message.objects.count() == 0 and SystemEvent.objects.count() == 0
    assert (
        ImportedItem.objects.count() == 0
        and Placeholder.objects.count() == 0
        and User.objects.count() == users
    )


def test_files_written_before_a_failure_are_removed(tmp_path: Path, garden: Space, settings: Any) -> None:
    records = [
        *history(),
        {"type": "message", "id": "bad", "at": "2023-03-01T12:00:00+01:00", "author": "ana", "text": "\x00"},
    ]
    with pytest.raises(ImportFailed):
        _store(_file(tmp_path, records, media={"media/plan.png": png()}), space=garden, batch_size=3)
    uploads = Path(settings.DISCUSSIONS_UPLOAD_ROOT)
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_placeholders_cannot_sign_in_and_are_not_members(tmp_path: Path, garden: Space, client: Any) -> None:
    _store(_file(tmp_path, history(), name="h.jsonl"), space=garden)
    ana = Placeholder.objects.get(source_id="ana")
    assert ana.name == "Ana Pérez" and ana.handle == "+34 600 000 001"
    account = ana.user
    assert account is not None and not account.is_active and not account.has_usable_password()
    assert not hasattr(account, "membership") or account.membership is None
    assert client.login(username=account.username, password="") is False
    response = client.post("/accounts/login/", {"login": account.username, "password": "x"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_a_dry_run_counts_and_stores_nothing(tmp_path: Path, garden: Space) -> None:
    report = _store(_file(tmp_path, history(), name="h.jsonl"), space=garden, dry_run=True)
    assert report.messages == 8 and report.authors == 3 and report.system_events == 2 and report.threads == 1
    assert Message.objects.count() == 0 and Placeholder.objects.count() == 0


def test_a_new_space_is_made_when_asked(tmp_path: Path, owner: Any) -> None:
    report = _store(
        _file(tmp_path, history(), name="h.jsonl"),
        target=Target(create_name="Old WhatsApp"),
        started_by=owner,
    )
    space = Space.objects.get(pk=report.space_ids[0])
    assert (
        space.name == "Old WhatsApp"
        and space.kind == "chat"
        and Message.objects.filter(space=space).count() == 8
    )


def test_a_workspace_export_makes_a_space_per_channel_and_direct_conversations(
    tmp_path: Path, owner: Any
) -> None:
    records = [
        {"type": "author", "id": "U1", "name": "Ana"},
        {"type": "author", "id": "U2", "name": "Ben"},
        {"type": "conversation", "id": "C1", "name": "general", "topic": "Everything"},
        {"type": "conversation", "id": "C2", "name": "random"},
        {"type": "conversation", "id": "D1", "name": "Ana, Ben", "kind": "direct", "members": ["U1", "U2"]},
        {
            "type": "message",
            "id": "1",
            "conversation": "C1",
            "at": "2023-01-01T10:00:00+00:00",
            "author": "U1",
            "text": "hi all",
        },
        {
            "type": "message",
            "id": "1",
            "conversation": "C2",
            "at": "2023-01-01T10:00:00+00:00",
            "author": "U2",
            "text": "random hi",
        },
        {
            "type": "message",
            "id": "2",
            "conversation": "D1",
            "at": "2023-01-01T10:05:00+00:00",
            "author": "U1",
            "text": "psst",
        },
    ]
    path = _file(tmp_path, records, name="team.jsonl")
    report = _store(path, source=MultiToySource(), started_by=owner)
    assert report.spaces_created == 3 and report.messages == 3
    general = Space.objects.get(slug="toyteam-general")
    assert general.kind == "chat" and Message.objects.get(space=general).body == "hi all"
    dm = Space.objects.get(kind="direct")
    assert dm.visibility == Space.SECRET
    people = set(SpaceMembership.objects.filter(space=dm).values_list("user__display_name", flat=True))
    assert people == {"Ana", "Ben"}
    # A second import of the workspace finds its spaces again.
    again = _store(path, source=MultiToySource(), started_by=owner)
    assert (
        again.spaces_created == 0 and again.messages == 0 and Space.objects.filter(kind="chat").count() == 2
    )


def test_duplicate_message_ids_are_kept_once_and_reported(tmp_path: Path, garden: Space) -> None:
    records = [*history()[:6], history()[5]]
    report = _store(_file(tmp_path, records, name="d.jsonl"), space=garden)
    assert report.messages == 1 and any("second message" in s["reason"] for s in report.skipped)


def test_a_reply_whose_thread_root_is_missing_goes_to_the_channel(tmp_path: Path, garden: Space) -> None:
    records = [
        *history()[:4],
        {
            "type": "message",
            "id": "r",
            "at": "2023-03-01T09:00:00+00:00",
            "author": "ana",
            "text": "late reply",
            "thread": "gone",
        },
    ]
    _store(_file(tmp_path, records, name="o.jsonl"), space=garden)
    assert Message.objects.get(body="late reply").thread_root_id is None


def test_a_repeated_id_in_a_later_batch_is_kept_once(tmp_path: Path, garden: Space) -> None:
    records = [*history()[:6], *history()[6:8], history()[5]]  # m1 again, two batches later
    report = _store(_file(tmp_path, records, name="late.jsonl"), space=garden, batch_size=2)
    assert Message.objects.filter(space=garden, body__endswith="Welcome to the *garden* group!").count() == 1
    assert report.already_imported == 1 and report.messages == Message.objects.filter(space=garden).count()


def test_an_import_into_a_space_without_imports_looks_up_no_keys(tmp_path: Path, garden: Space) -> None:
    """Only keys that may be stored already are looked up: none, in a space nothing was imported into
    (the keys this run writes are remembered in a filter of fixed size, not asked for batch by batch)."""
    with CaptureQueriesContext(connection) as queries:
        report = _store(_file(tmp_path, history(), name="fresh.jsonl"), space=garden, batch_size=2)
    selects = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "importers_importeditem" in q["sql"]
    ]
    key_lookups = [sql for sql in selects if '"importers_importeditem"."kind", ' in sql]
    probes = [sql for sql in selects if sql.startswith('SELECT 1 AS "a"')]
    assert report.messages == 8
    assert key_lookups == [] and len(probes) == 1  # "did an earlier import write here?", once
    again = _store(_file(tmp_path, history(), name="fresh.jsonl"), space=garden, batch_size=2)
    assert again.messages == 0 and again.already_imported == 10
