"""Big bulk writes (imports) are indexed by tasks after the commit, in batches; small ones at once.
Either way every row ends up findable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.tasks import task_backends

import factories as testing
from townhall.chat.bulk import NewMessage, bulk_create_messages
from townhall.search import index
from townhall.search.models import Document
from townhall.spaces.models import Space

from .conftest import found

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.search_after_commit]


@pytest.fixture
def chat(member: Any) -> Space:
    return testing.make_space("Old group", kind="chat", visibility=Space.MEMBERS, members=[member])


def write(chat: Space, author: Any, count: int, word: str) -> list[int]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with transaction.atomic():
        rows = bulk_create_messages(
            chat,
            [NewMessage(author_id=author.pk, body=f"{word} number {i}", at=start + timedelta(minutes=i)) for i in range(count)],
        )  # fmt: skip
    return [m.pk for m in rows]


@pytest.fixture
def queue(settings: Any) -> None:
    """Tasks wait in a list instead of running at once."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def test_a_big_write_is_indexed_by_tasks_after_the_commit(
    queue: None, monkeypatch: Any, member: Any, chat: Space
) -> None:
    monkeypatch.setattr(index, "TASK_IDS", 300)
    ids = write(chat, member, index.QUEUE_FROM + 100, "Nebula")
    queued = [tuple(result.args) for result in task_backends["default"].results]  # type: ignore[attr-defined]
    # The writer did not index them: two tasks wait, each with at most TASK_IDS ids, all ids once.
    assert Document.objects.filter(type="chat-message").count() == 0
    assert [model for model, _ in queued] == ["chat.message"] * 2
    assert sorted(i for _, batch in queued for i in batch) == sorted(ids)
    assert all(len(batch) <= 300 for _, batch in queued)
    for model, batch in queued:
        index.refresh_rows.call(model, batch)
    assert Document.objects.filter(type="chat-message", object_id__in=ids).count() == len(ids)
    assert len(found(member, "nebula", type="chat-message")) > 0
    # Running a task again changes nothing.
    assert index.refresh_rows.call(*queued[0]) == 0


def test_a_big_write_is_findable_once_the_queue_ran(member: Any, chat: Space) -> None:
    ids = write(chat, member, index.QUEUE_FROM, "Andromeda")  # tests run tasks at once
    assert Document.objects.filter(type="chat-message", object_id__in=ids).count() == len(ids)


def test_a_small_write_is_indexed_at_once(queue: None, member: Any, chat: Space) -> None:
    ids = write(chat, member, 3, "Orion")
    assert task_backends["default"].results == []  # type: ignore[attr-defined]
    assert Document.objects.filter(type="chat-message", object_id__in=ids).count() == 3
