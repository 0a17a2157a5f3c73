"""The chat actions: each refusal with its message, idempotent sends, revisions, soft delete and
restore, the Activity rows, the events emitted and the broadcasts sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from chat_testing import chat_space
from django.utils import timezone

import factories as testing
from townhall.activity.models import Activity
from townhall.chat import actions, events
from townhall.chat.models import ChannelRead, Message, MessageRevision
from townhall.chat.queries import unread_by_space
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_send_stores_renders_logs_emits_and_broadcasts(
    member: Any, lounge: Space, emitted: list[Any], broadcasts: list[Any], committed: Any
) -> None:
    with committed():
        message = actions.send_message(Guardian(member), lounge, body="Clear skies **tonight**\nsee you")
    assert message.body == "Clear skies **tonight**\nsee you"
    assert "<strong>tonight</strong><br" in message.html  # chat keeps newlines as line breaks
    row = Activity.objects.get(verb="message.sent")
    assert (row.actor_id, row.space_id, row.target_id, row.data) == (
        member.pk,
        lounge.pk,
        message.pk,
        {"chars": 31, "mentioned": []},
    )
    assert emitted == [events.MessageSent(message_id=message.pk, space_id=lounge.pk, actor_id=member.pk)]
    assert broadcasts == [
        (
            [f"space.{lounge.pk}"],
            {"type": "chat", "op": "message_created", "space_id": lounge.pk, "message_id": message.pk},
        )
    ]
    assert ChannelRead.objects.get(user=member, space=lounge).last_read_id == message.pk


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "Write something before sending."),
        ("   \n\t \n", "Write something before sending."),
        ("x" * 10_001, "A message can be at most 10,000 characters long (this one has 10,001)."),
        ("nul\x00", "A message cannot contain the NUL character."),
    ],
)
def test_bad_text_is_refused_with_its_reason(member: Any, lounge: Space, body: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        actions.send_message(Guardian(member), lounge, body=body)
    assert refused.value.message == reason
    assert not Message.objects.exists() and not Activity.objects.filter(verb="message.sent").exists()


def test_ten_thousand_characters_are_fine(member: Any, lounge: Space) -> None:
    assert len(actions.send_message(Guardian(member), lounge, body="y" * 10_000).body) == 10_000


def test_a_repeated_client_key_returns_the_first_message(
    member: Any, lounge: Space, broadcasts: list[Any], committed: Any
) -> None:
    with committed():
        first = actions.send_message(Guardian(member), lounge, body="Hello", client_key="k-1")
        again = actions.send_message(Guardian(member), lounge, body="Hello", client_key="k-1")
    assert again.pk == first.pk and Message.objects.count() == 1 and len(broadcasts) == 1
    other = actions.send_message(Guardian(member), lounge, body="Hello", client_key="k-2")
    assert other.pk != first.pk


def test_a_client_key_is_per_author(member: Any, newcomer: Any, lounge: Space) -> None:
    mine = actions.send_message(Guardian(member), lounge, body="Hi", client_key="same")
    theirs = actions.send_message(Guardian(newcomer), lounge, body="Hi", client_key="same")
    assert mine.pk != theirs.pk


def test_a_client_key_from_another_space_is_refused(member: Any, lounge: Space) -> None:
    other = chat_space("Other", members=[member])
    actions.send_message(Guardian(member), lounge, body="Hi", client_key="k")
    with pytest.raises(Invalid, match="another space"):
        actions.send_message(Guardian(member), other, body="Hi", client_key="k")


@pytest.mark.parametrize(
    ("who", "error", "reason"),
    [
        ("outsider", NotFound, None),
        ("suspended", PermissionDenied, "Your membership is suspended, so you cannot post for now."),
        ("anonymous", NotFound, None),
    ],
)
def test_who_may_not_send(request: Any, lounge: Space, who: str, error: type, reason: str | None) -> None:
    user = None if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(error) as refused:
        actions.send_message(Guardian(user), lounge, body="hello")
    if reason:
        assert refused.value.reason == reason


def test_a_discussion_space_takes_no_chat_messages(member: Any) -> None:
    space = testing.make_space("Talk", members=[member])
    with pytest.raises(NotFound):
        actions.send_message(Guardian(member), space, body="hello")


def test_announcement_channel_is_for_moderators(member: Any, space_moderator: Any, lounge: Space) -> None:
    lounge.kind_settings = {"announcement_only": True}
    lounge.save()
    with pytest.raises(PermissionDenied, match="only moderators post here"):
        actions.send_message(Guardian(member), lounge, body="hi")
    assert actions.send_message(Guardian(space_moderator), lounge, body="News!").pk


def test_slow_mode_makes_members_wait_but_not_moderators(
    member: Any, space_moderator: Any, lounge: Space
) -> None:
    lounge.kind_settings = {"slow_mode_seconds": 30}
    lounge.save()
    first = actions.send_message(Guardian(member), lounge, body="one")
    with pytest.raises(PermissionDenied, match=r"Slow mode is on: wait (29|30) seconds"):
        actions.send_message(Guardian(member), lounge, body="two")
    # Once the wait is over, the next message goes through.
    Message.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(seconds=31))
    assert actions.send_message(Guardian(member), lounge, body="two").body == "two"
    actions.send_message(Guardian(space_moderator), lounge, body="a")
    actions.send_message(Guardian(space_moderator), lounge, body="b")


def test_a_retry_is_not_held_back_by_slow_mode(member: Any, lounge: Space) -> None:
    lounge.kind_settings = {"slow_mode_seconds": 60}
    lounge.save()
    first = actions.send_message(Guardian(member), lounge, body="one", client_key="retry")
    assert actions.send_message(Guardian(member), lounge, body="one", client_key="retry").pk == first.pk


def test_edit_keeps_the_old_text_as_a_revision(
    member: Any, lounge: Space, emitted: list[Any], broadcasts: list[Any], committed: Any
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Jupiter rises at 9")
    with committed():
        edited = actions.edit_message(Guardian(member), message, body="Jupiter rises at *10*")
    assert edited.edited_at is not None and "<em>10</em>" in edited.html
    assert list(MessageRevision.objects.values_list("body", flat=True)) == ["Jupiter rises at 9"]
    row = Activity.objects.get(verb="message.edited")
    assert row.data == {"revision_id": MessageRevision.objects.get().pk, "mentioned": []}
    assert emitted[-1] == events.MessageEdited(message_id=message.pk, space_id=lounge.pk, actor_id=member.pk)
    assert broadcasts[-1][1]["op"] == "message_edited"


def test_only_the_author_edits(member: Any, newcomer: Any, space_moderator: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="mine")
    for other in (newcomer, space_moderator):
        with pytest.raises(PermissionDenied, match=r"You can only edit your own messages\."):
            actions.edit_message(Guardian(other), message, body="theirs")
    with pytest.raises(Invalid, match="Write something"):
        actions.edit_message(Guardian(member), message, body="  ")


def test_delete_is_soft_and_a_moderator_restores(
    member: Any,
    newcomer: Any,
    space_moderator: Any,
    lounge: Space,
    emitted: list[Any],
    broadcasts: list[Any],
    committed: Any,
) -> None:
    with committed():
        message = actions.send_message(Guardian(member), lounge, body="oops")
    with pytest.raises(PermissionDenied, match=r"You can only delete your own messages\."):
        actions.delete_message(Guardian(newcomer), message)
    with committed():
        deleted = actions.delete_message(Guardian(member), message)
    assert deleted.deleted_at is not None and deleted.deleted_by_id == member.pk
    assert Message.objects.filter(pk=message.pk).exists()
    with pytest.raises(PermissionDenied, match="already deleted"):
        actions.delete_message(Guardian(member), deleted)
    with pytest.raises(PermissionDenied, match=r"Only this space's moderators can restore messages\."):
        actions.restore_message(Guardian(member), deleted)
    with committed():
        restored = actions.restore_message(Guardian(space_moderator), deleted)
    assert restored.deleted_at is None and restored.deleted_by_id is None
    with pytest.raises(PermissionDenied, match="not deleted"):
        actions.restore_message(Guardian(space_moderator), restored)
    assert [a.verb for a in Activity.objects.order_by("id")] == [
        "message.sent",
        "message.deleted",
        "message.restored",
    ]
    assert Activity.objects.get(verb="message.deleted").data == {"by_author": True}
    assert [type(e) for e in emitted] == [events.MessageSent, events.MessageDeleted, events.MessageRestored]
    assert [p["op"] for _g, p in broadcasts] == ["message_created", "message_deleted", "message_restored"]


def test_a_moderator_deletes_anyones_message(member: Any, moderator: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="spam")
    actions.delete_message(Guardian(moderator), message)
    assert Activity.objects.get(verb="message.deleted").data == {"by_author": False}


def test_unread_counts_follow_the_read_position(
    member: Any, newcomer: Any, lounge: Space, broadcasts: list[Any], committed: Any
) -> None:
    g = Guardian(newcomer)
    first = actions.send_message(g, lounge, body="first")
    assert unread_by_space(Guardian(member), [lounge.pk]) == {}  # never opened: no count
    with committed():
        actions.mark_read(Guardian(member), lounge, up_to=first.pk)
    assert broadcasts[-1] == (
        [f"user.{member.pk}"],
        {"type": "chat", "op": "read", "space_id": lounge.pk, "message_id": first.pk},
    )
    second = actions.send_message(g, lounge, body="second")
    actions.send_message(g, lounge, body="third")
    actions.send_message(Guardian(member), lounge, body="mine")  # also reads up to here
    assert unread_by_space(Guardian(member), [lounge.pk]) == {}
    actions.send_message(g, lounge, body="fourth")
    actions.mark_read(Guardian(member), lounge, up_to=second.pk)  # never moves back
    assert unread_by_space(Guardian(member), [lounge.pk]) == {lounge.pk: 1}
    sent = len(broadcasts)
    with committed():
        actions.mark_read(Guardian(member), lounge, up_to=second.pk)
    assert len(broadcasts) == sent  # nothing moved, nothing said


def test_the_bulk_layer_writes_what_send_message_writes(member: Any, newcomer: Any, lounge: Space) -> None:
    from datetime import UTC, datetime

    from townhall.chat.bulk import NewMessage, bulk_create_messages
    from townhall.core.effects import RowsWritten

    sent = actions.send_message(Guardian(member), lounge, body="Orion *rises*\nlate")
    at = datetime(2026, 11, 1, 21, 0, tzinfo=UTC)
    seen: list[Any] = []
    from townhall.core import effects

    with effects.observing(seen.append):
        (bulk,) = bulk_create_messages(
            lounge, [NewMessage(author_id=newcomer.pk, body="Orion *rises*\nlate\n\n", at=at)]
        )
    assert (bulk.body, bulk.html, bulk.created_at) == (sent.body, sent.html, at)
    row = Activity.objects.get(verb="message.sent", target_id=bulk.pk)
    assert (row.actor_id, row.space_id, row.created_at, row.data) == (
        newcomer.pk,
        lounge.pk,
        at,
        {"chars": 18, "mentioned": []},
    )
    assert seen == [RowsWritten("chat.message", (bulk.pk,))]
    with pytest.raises(Invalid, match="Write something"):
        bulk_create_messages(lounge, [NewMessage(author_id=newcomer.pk, body=" ", at=at)])


def test_moderators_pin_and_unpin(
    member: Any,
    space_moderator: Any,
    lounge: Space,
    emitted: list[Any],
    broadcasts: list[Any],
    committed: Any,
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Star party on Saturday")
    emitted.clear()
    broadcasts.clear()
    with pytest.raises(PermissionDenied, match=r"Only this space's moderators can pin messages\."):
        actions.pin_message(Guardian(member), message)
    with committed():
        pinned = actions.pin_message(Guardian(space_moderator), message)
    assert pinned.pinned_at is not None and pinned.pinned_by_id == space_moderator.pk
    with pytest.raises(PermissionDenied, match=r"This message is already pinned\."):
        actions.pin_message(Guardian(space_moderator), pinned)
    with pytest.raises(PermissionDenied, match=r"Only this space's moderators can unpin messages\."):
        actions.unpin_message(Guardian(member), pinned)
    with committed():
        unpinned = actions.unpin_message(Guardian(space_moderator), pinned)
    assert unpinned.pinned_at is None and unpinned.pinned_by_id is None
    with pytest.raises(PermissionDenied, match=r"This message is not pinned\."):
        actions.unpin_message(Guardian(space_moderator), unpinned)
    rows = Activity.objects.filter(verb__in=["message.pinned", "message.unpinned"]).order_by("id")
    assert [(a.verb, a.actor_id, a.target_id, a.space_id, a.data) for a in rows] == [
        ("message.pinned", space_moderator.pk, message.pk, lounge.pk, {"pinned_count": 1}),
        ("message.unpinned", space_moderator.pk, message.pk, lounge.pk, {"pinned_count": 0}),
    ]
    ids = {"message_id": message.pk, "space_id": lounge.pk, "actor_id": space_moderator.pk}
    assert emitted == [events.MessagePinned(**ids), events.MessageUnpinned(**ids)]
    assert broadcasts == [
        (
            [f"space.{lounge.pk}"],
            {"type": "chat", "op": op, "space_id": lounge.pk, "message_id": message.pk},
        )
        for op in ("message_pinned", "message_unpinned")
    ]


def test_deleted_messages_are_not_pinned_and_leave_the_pinned_list(
    member: Any, space_moderator: Any, lounge: Space
) -> None:
    from townhall.chat.queries import pinned_messages

    mod = Guardian(space_moderator)
    first = actions.pin_message(mod, actions.send_message(Guardian(member), lounge, body="one"))
    second = actions.pin_message(mod, actions.send_message(Guardian(member), lounge, body="two"))
    assert [m.pk for m in pinned_messages(Guardian(member), lounge)] == [second.pk, first.pk]
    actions.delete_message(Guardian(member), first)
    assert [m.pk for m in pinned_messages(Guardian(member), lounge)] == [second.pk]
    gone = Message.objects.get(pk=first.pk)
    actions.unpin_message(mod, gone)  # a moderator still tidies it away
    with pytest.raises(PermissionDenied, match=r"A deleted message cannot be pinned\."):
        actions.pin_message(mod, Message.objects.get(pk=first.pk))


def test_a_channel_keeps_at_most_twenty_pins(member: Any, space_moderator: Any, lounge: Space) -> None:
    from townhall.chat.models import MAX_PINS

    messages = Message.objects.bulk_create(
        Message(space=lounge, author=member, body=f"m{i}", html="", pinned_at=timezone.now())
        for i in range(MAX_PINS)
    )
    extra = actions.send_message(Guardian(member), lounge, body="one more")
    with pytest.raises(Invalid, match=r"at most 20 pinned messages: unpin one first\."):
        actions.pin_message(Guardian(space_moderator), extra)
    actions.unpin_message(Guardian(space_moderator), messages[0])
    assert actions.pin_message(Guardian(space_moderator), extra).pinned_at is not None


def test_pinning_an_unseen_message_is_not_found(member: Any, outsider: Any, admin: Any) -> None:
    secret = chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    message = Message.objects.create(space=secret, author=outsider, body="hidden", html="hidden")
    with pytest.raises(NotFound):
        actions.pin_message(Guardian(member), message)
    assert actions.pin_message(Guardian(admin), message).pinned_at is not None


def test_moderators_set_the_topic_line(
    member: Any,
    space_moderator: Any,
    lounge: Space,
    emitted: list[Any],
    broadcasts: list[Any],
    committed: Any,
) -> None:
    lounge.kind_settings = {"announcement_only": False, "slow_mode_seconds": 5}
    lounge.save()
    with pytest.raises(PermissionDenied, match=r"Only this space's moderators can set the topic\."):
        actions.set_topic(Guardian(member), lounge, topic="Mine")
    with committed():
        actions.set_topic(Guardian(space_moderator), lounge, topic="  Clear skies   only  ")
    lounge.refresh_from_db()
    assert lounge.kind_settings == {
        "announcement_only": False,
        "slow_mode_seconds": 5,
        "topic": "Clear skies only",
    }
    with committed():
        actions.set_topic(Guardian(space_moderator), lounge, topic="Clear skies only")  # unchanged
    row = Activity.objects.get(verb="channel.topic_changed")
    assert (row.actor_id, row.space_id, row.target_id, row.data) == (
        space_moderator.pk,
        lounge.pk,
        lounge.pk,
        {"chars": 16},
    )
    assert emitted == [events.ChannelTopicChanged(space_id=lounge.pk, actor_id=space_moderator.pk)]
    assert broadcasts == [
        ([f"space.{lounge.pk}"], {"type": "chat", "op": "topic_changed", "space_id": lounge.pk})
    ]


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("x" * 201, "A topic can be at most 200 characters long (this one has 201)."),
        ("a\x00b", "A topic cannot contain the NUL character."),
    ],
)
def test_a_bad_topic_is_refused(space_moderator: Any, lounge: Space, topic: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        actions.set_topic(Guardian(space_moderator), lounge, topic=topic)
    assert refused.value.message == reason and "topic" in refused.value.field_errors
    assert (
        actions.set_topic(Guardian(space_moderator), lounge, topic="y" * 200).kind_settings["topic"]
        == "y" * 200
    )
    assert actions.set_topic(Guardian(space_moderator), lounge, topic=" \t").kind_settings["topic"] == ""


def test_line_breaks_in_a_topic_become_spaces(space_moderator: Any, lounge: Space) -> None:
    space = actions.set_topic(Guardian(space_moderator), lounge, topic="one\r\ntwo\n\nthree")
    assert space.kind_settings["topic"] == "one two three"


def test_the_topic_of_an_unseen_space_is_not_found(member: Any, outsider: Any) -> None:
    secret = chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    with pytest.raises(NotFound):
        actions.set_topic(Guardian(member), secret, topic="x")
