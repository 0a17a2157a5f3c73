"""Who may read, post, edit, delete and restore in chat spaces: personas by visibilities by rules,
and the chat settings (announcement-only, slow mode). The SQL filter agrees with the read rule."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import chat_space

from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "moderator", "space_moderator", "member", "joined", "suspended", "outsider", "anonymous")
VISIBILITIES = (Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET)

# (persona, visibility) -> (read, post). "joined" is a member who joined the space; "space_moderator"
# moderates it; plain "member" did not join. Suspended members joined too: they read but never write.
R, P, NO = "read", "post", ""
EXPECTED = {
    "admin": {Space.PUBLIC: P, Space.MEMBERS: P, Space.PRIVATE: P, Space.SECRET: P},
    "moderator": {Space.PUBLIC: P, Space.MEMBERS: P, Space.PRIVATE: R, Space.SECRET: NO},
    "space_moderator": {Space.PUBLIC: P, Space.MEMBERS: P, Space.PRIVATE: P, Space.SECRET: P},
    "member": {Space.PUBLIC: P, Space.MEMBERS: P, Space.PRIVATE: NO, Space.SECRET: NO},
    "joined": {Space.PUBLIC: P, Space.MEMBERS: P, Space.PRIVATE: P, Space.SECRET: P},
    "suspended": {Space.PUBLIC: R, Space.MEMBERS: R, Space.PRIVATE: R, Space.SECRET: R},
    "outsider": {Space.PUBLIC: R, Space.MEMBERS: NO, Space.PRIVATE: NO, Space.SECRET: NO},
    "anonymous": {Space.PUBLIC: R, Space.MEMBERS: NO, Space.PRIVATE: NO, Space.SECRET: NO},
}


@pytest.fixture
def people(
    request: Any, admin: Any, moderator: Any, member: Any, suspended: Any, outsider: Any
) -> dict[str, Any]:
    import factories as testing

    return {
        "admin": admin,
        "moderator": moderator,
        "space_moderator": testing.make_member("sol"),
        "member": member,
        "joined": testing.make_member("jo"),
        "suspended": suspended,
        "outsider": outsider,
        "anonymous": None,
    }


def _space(visibility: str, people: dict[str, Any]) -> Space:
    return chat_space(
        f"Chat {visibility}",
        visibility=visibility,
        members=[people["joined"], people["suspended"]],
        moderators=[people["space_moderator"]],
    )


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_read_and_post_by_persona(people: dict[str, Any], visibility: str) -> None:
    space = _space(visibility, people)
    for persona in PERSONAS:
        g = Guardian(people[persona])
        expected = EXPECTED[persona][visibility]
        assert g.chat.read.can(space) == (expected in (R, P)), (persona, visibility, "read")
        assert g.chat.post.can(space) == (expected == P), (persona, visibility, "post")
        in_sql = g.chat.visible_messages(Message.objects.filter(space=space))
        Message.objects.get_or_create(space=space, body="x", html="x")
        assert in_sql.exists() == (expected in (R, P)), (persona, visibility, "visible_messages")
        if expected == NO:
            refusal = g.chat.read(space)
            assert refusal is not None and refusal.hidden  # unseen: exactly like a missing space


@pytest.mark.parametrize("visibility", (Space.MEMBERS, Space.PRIVATE))
def test_edit_delete_restore_by_persona(people: dict[str, Any], visibility: str) -> None:
    space = _space(visibility, people)
    author = people["joined"]
    message = Message.objects.create(space=space, author=author, body="x", html="x")
    deleted = Message.objects.create(space=space, author=author, body="y", html="y")
    from django.utils import timezone

    deleted.deleted_at = timezone.now()
    deleted.save()
    moderates = {"admin", "space_moderator"} | ({"moderator"} if visibility != Space.SECRET else set())
    for persona in PERSONAS:
        g = Guardian(people[persona])
        assert g.chat.edit.can(message) == (persona == "joined"), (persona, "edit")
        assert g.chat.delete.can(message) == (persona == "joined" or persona in moderates), (
            persona,
            "delete",
        )
        assert g.chat.restore.can(deleted) == (persona in moderates), (persona, "restore")
        assert g.chat.view_message_body.can(deleted) == (persona in moderates), (persona, "deleted body")
        assert not g.chat.edit.can(deleted)


def test_suspended_authors_neither_edit_nor_delete(people: dict[str, Any]) -> None:
    space = _space(Space.MEMBERS, people)
    message = Message.objects.create(space=space, author=people["suspended"], body="x", html="x")
    g = Guardian(people["suspended"])
    assert g.chat.edit.reason(message) == "Your membership does not allow editing right now."
    assert g.chat.delete.reason(message) == "Your membership does not allow deleting right now."


@pytest.mark.parametrize(
    ("persona", "may"),
    [("admin", True), ("moderator", True), ("space_moderator", True), ("joined", False), ("member", False)],
)
def test_announcement_only(people: dict[str, Any], persona: str, may: bool) -> None:
    space = _space(Space.MEMBERS, people)
    space.kind_settings = {"announcement_only": True}
    g = Guardian(people[persona])
    assert g.chat.post.can(space) == may
    if not may:
        assert g.chat.post.reason(space) == "This is an announcement channel: only moderators post here."


@pytest.mark.parametrize(
    ("persona", "waits"),
    [("admin", False), ("moderator", False), ("space_moderator", False), ("joined", True)],
)
def test_slow_mode(people: dict[str, Any], persona: str, waits: bool) -> None:
    space = _space(Space.MEMBERS, people)
    space.kind_settings = {"slow_mode_seconds": 10}
    g = Guardian(people[persona])
    assert g.chat.send_now.can(space)
    Message.objects.create(space=space, author=people[persona], body="x", html="x")
    assert g.chat.send_now.can(space) == (not waits)
    if waits:
        assert (
            g.chat.send_now.reason(space)
            == "Slow mode is on: wait 10 seconds before sending another message."
        )


def test_a_space_of_another_kind_has_no_channel(people: dict[str, Any]) -> None:
    import factories as testing

    space = testing.make_space("Talk", members=[people["joined"]])
    assert not Guardian(people["joined"]).chat.read.can(space)
    assert not Guardian(people["admin"]).chat.post.can(space)


@pytest.mark.parametrize("visibility", (Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET))
def test_pin_and_unpin_by_persona(people: dict[str, Any], visibility: str) -> None:
    """Moderators (of the space or the community, where they see it) and admins pin; nobody else."""
    space = _space(visibility, people)
    message = Message.objects.create(space=space, author=people["joined"], body="x", html="x")
    pinned = Message.objects.create(space=space, author=people["joined"], body="y", html="y")
    from django.utils import timezone

    pinned.pinned_at = timezone.now()
    pinned.save()
    moderates = {"admin", "space_moderator"} | ({"moderator"} if visibility != Space.SECRET else set())
    for persona in PERSONAS:
        g = Guardian(people[persona])
        assert g.chat.pin.can(message) == (persona in moderates), (persona, visibility, "pin")
        assert g.chat.unpin.can(pinned) == (persona in moderates), (persona, visibility, "unpin")
        assert not g.chat.pin.can(pinned) and not g.chat.unpin.can(message), persona
        if persona not in moderates and g.chat.read.can(space):
            assert g.chat.pin.reason(message) == "Only this space's moderators can pin messages."
            assert g.chat.unpin.reason(pinned) == "Only this space's moderators can unpin messages."
        if not g.chat.read.can(space):
            refusal = g.chat.pin(message)
            assert refusal is not None and refusal.hidden


def test_a_deleted_message_is_not_pinned_but_may_be_unpinned(people: dict[str, Any]) -> None:
    from django.utils import timezone

    space = _space(Space.MEMBERS, people)
    message = Message.objects.create(
        space=space, author=people["joined"], body="x", html="x", deleted_at=timezone.now()
    )
    g = Guardian(people["space_moderator"])
    assert g.chat.pin.reason(message) == "A deleted message cannot be pinned."
    message.pinned_at = timezone.now()
    assert g.chat.unpin.can(message)


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_set_topic_by_persona(people: dict[str, Any], visibility: str) -> None:
    """Moderators (of the space, or of the community where they see it) and admins set the topic."""
    space = _space(visibility, people)
    moderates = {"admin", "space_moderator"} | ({"moderator"} if visibility != Space.SECRET else set())
    for persona in PERSONAS:
        g = Guardian(people[persona])
        assert g.chat.set_topic.can(space) == (persona in moderates), (persona, visibility, "set_topic")
        if persona in moderates:
            continue
        refusal = g.chat.set_topic(space)
        assert refusal is not None
        if g.chat.read.can(space):
            assert refusal.reason == "Only this space's moderators can set the topic."
        else:
            assert refusal.hidden


def test_an_archived_channel_keeps_its_pins_and_topic(people: dict[str, Any]) -> None:
    from django.utils import timezone

    space = _space(Space.MEMBERS, people)
    message = Message.objects.create(space=space, author=people["joined"], body="x", html="x")
    pinned = Message.objects.create(space=space, author=people["joined"], body="y", html="y")
    pinned.pinned_at = timezone.now()
    pinned.save()
    g = Guardian(people["space_moderator"])
    assert g.chat.pin.can(message) and g.chat.unpin.can(pinned) and g.chat.set_topic.can(space)
    space.archived_at = timezone.now()
    space.save()
    message.space = pinned.space = space
    archived = "This space is archived: its channel is kept as it was."
    assert g.chat.pin.reason(message) == archived
    assert g.chat.unpin.reason(pinned) == archived
    assert g.chat.set_topic.reason(space) == archived
    assert g.chat.edit.reason(message) is not None
