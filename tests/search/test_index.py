"""The index follows every write: each discussion event refreshes the documents it touches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction

import factories as testing
from townhall.core.effects import RowsWritten, emit
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.search import index, queries
from townhall.search.models import Document
from townhall.spaces.models import Space, SpaceMembership

from .conftest import document, found, fresh, reply, start_topic

pytestmark = pytest.mark.django_db


def test_a_new_topic_and_reply_get_documents(member: Any, space: Space) -> None:
    topic = start_topic(member, space, title="Photographing nebulae", body="Long exposures help.")
    answer = reply(member, topic, "I stacked forty exposures of the Orion nebula.")
    opening = topic.posts.get(position=1)
    doc = document(opening)
    assert doc is not None
    assert (doc.title, doc.body.strip(), doc.space_id, doc.container_id) == (
        "Photographing nebulae", "Long exposures help.", space.pk, topic.pk,
    )  # fmt: skip
    assert (doc.author_id, doc.created_at, doc.visibility) == (member.pk, opening.created_at, "")
    reply_doc = document(answer)
    assert reply_doc is not None and reply_doc.title == "" and reply_doc.body.startswith("I stacked")


def test_markup_is_not_indexed(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="**Bold** claim with a [link](https://example.org/hidden-word)")
    doc = document(topic.posts.get(position=1))
    assert doc is not None and doc.body.strip() == "Bold claim with a link"


def test_an_edit_refreshes_in_place(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Saturn rings")
    opening = topic.posts.get(position=1)
    before = document(opening)
    actions.edit_post(Guardian(member), opening, body="Jupiter moons", title="Gas giants")
    after = document(opening)
    assert before is not None and after is not None
    assert after.pk == before.pk  # the same row: newest-first ordering keeps its meaning
    assert (after.title, after.body.strip()) == ("Gas giants", "Jupiter moons")
    assert found(member, "saturn") == [] and found(member, "giants") == ["Jupiter moons"]


def test_delete_and_restore(member: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Perseids tonight")
    gone = reply(member, topic, "Perseids peak at dawn")
    actions.delete_post(Guardian(member), gone)
    assert document(gone) is None and found(member, "dawn") == []
    actions.restore_post(Guardian(moderator), fresh(gone))
    assert document(gone) is not None and found(member, "dawn") == ["Perseids peak at dawn"]


def test_hide_and_restore_a_reply(member: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Perseids tonight")
    hidden = reply(member, topic, "Perseids are overrated")
    actions.hide_post(Guardian(moderator), hidden)
    assert document(hidden) is None
    assert found(member, "overrated") == [] and found(moderator, "overrated") == []
    actions.restore_post(Guardian(moderator), fresh(hidden))
    assert found(member, "overrated") == ["Perseids are overrated"]


def test_deleting_the_opening_post_removes_the_whole_topic(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Comet tonight")
    answers = [reply(member, topic, f"Comet report {i}") for i in range(3)]
    actions.delete_post(Guardian(member), topic.posts.get(position=1))
    assert not Document.objects.filter(container_id=topic.pk).exists()
    assert found(member, "comet") == []
    assert all(document(a) is None for a in answers)


def test_a_hidden_topic_is_found_by_its_author_only(
    member: Any, moderator: Any, admin: Any, space: Space
) -> None:
    lea = testing.make_member("lea")
    SpaceMembership.objects.create(space=space, user=lea)
    topic = start_topic(member, space, title="Meteor shower", body="Perseids tonight")
    answer = reply(lea, topic, "Perseids peak at dawn")
    actions.hide_topic(Guardian(moderator), fresh(topic))
    assert document(topic.posts.get(position=1)) is None  # the hidden opening post itself is gone
    answer_doc = document(answer)
    assert answer_doc is not None and answer_doc.visibility == f"user:{member.pk}"
    assert found(member, "perseids") == ["Perseids peak at dawn"]
    for other in (lea, moderator, admin, None):
        assert found(other, "perseids") == []
    actions.restore_topic(Guardian(moderator), fresh(topic))
    answer_doc = document(answer)
    assert answer_doc is not None and answer_doc.visibility == ""
    assert len(found(lea, "perseids")) == 2


def test_a_moved_topic_takes_its_documents_along(
    member: Any, moderator: Any, outsider: Any, public_space: Space, private_space: Space
) -> None:
    topic = start_topic(member, public_space, title="Dark site", body="Bortle 2 field")
    reply(member, topic, "Bortle 1 is rare")
    assert len(found(outsider, "bortle")) == 2
    SpaceMembership.objects.create(space=private_space, user=moderator)
    rows_before = dict(Document.objects.filter(container_id=topic.pk).values_list("object_id", "pk"))
    actions.move_topic(Guardian(moderator), fresh(topic), to_space=private_space)
    assert set(Document.objects.filter(container_id=topic.pk).values_list("space_id", flat=True)) == {
        private_space.pk
    }
    assert dict(Document.objects.filter(container_id=topic.pk).values_list("object_id", "pk")) == rows_before
    assert found(outsider, "bortle") == [] and len(found(member, "bortle")) == 2


def test_bulk_writes_are_refreshed_through_rows_written(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Plain opening")
    written = Post.objects.create(
        topic=topic, author=member, position=2, depth=1, path="00000001.00000002",
        body="Imported andromeda notes", body_html="<p>Imported andromeda notes</p>",
    )  # fmt: skip
    assert document(written) is None  # nothing told the index yet
    emit(RowsWritten("discussions.post", (written.pk,)))
    assert found(member, "andromeda") == ["Imported andromeda notes"]
    Post.objects.filter(pk=written.pk).update(hidden=True)
    emit(RowsWritten("discussions.post", (written.pk,)))
    assert document(written) is None
    emit(RowsWritten("accounts.user", (written.pk,)))  # another model: nothing to refresh


def test_unchanged_documents_are_not_rewritten(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Venus transit")
    ids = list(topic.posts.values_list("pk", flat=True))
    assert index.refresh(index.search_types["post"], ids) == 0
    Post.objects.filter(pk=ids[0]).update(created_at=topic.created_at - timedelta(days=1))
    assert index.refresh(index.search_types["post"], ids) == 1


@pytest.mark.search_after_commit
def test_delivery_waits_for_the_commit_and_a_rollback_indexes_nothing(
    member: Any, space: Space, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        topic = start_topic(member, space, body="Zodiacal light")
    assert not Document.objects.filter(container_id=topic.pk).exists()
    for callback in callbacks:
        callback()
    assert Document.objects.filter(container_id=topic.pk).count() == 1
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        doomed = start_topic(member, space, title="Doomed", body="Gegenschein")
        raise RuntimeError("rolled back")
    assert not Topic.objects.filter(pk=doomed.pk).exists()
    assert not Document.objects.filter(container_id=doomed.pk).exists()


@pytest.mark.search_after_commit
def test_a_failing_refresh_never_breaks_the_write(
    member: Any, space: Space, django_capture_on_commit_callbacks: Any, monkeypatch: Any, caplog: Any
) -> None:

    def broken(search_type: Any, ids: Any) -> int:
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(index, "refresh", broken)
    with django_capture_on_commit_callbacks(execute=True):
        topic = start_topic(member, space, body="Noctilucent clouds")
    assert Topic.objects.filter(pk=topic.pk).exists()
    assert "listener search failed" in caplog.text


def test_a_hit_carries_its_document_date(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Lunar occultation")
    [hit] = queries.search(Guardian(member), "occultation").hits
    assert hit.created_at == topic.posts.get().created_at and hit.created_at.tzinfo is not None
