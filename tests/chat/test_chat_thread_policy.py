"""Who may read, reply in, follow and promote threads: personas by visibilities. Replying follows the
channel's posting rules; reading and following follow reading; promoting is for the root's author and the
space's moderators."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import chat_space

import factories as testing
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "moderator", "space_moderator", "member", "joined", "suspended", "outsider", "anonymous")
# (persona, visibility) -> read / post, as in test_chat_policy: threads add no rule of their own there.
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
MODERATES = {"admin", "space_moderator"}  # plus the community's moderators where they may read


@pytest.fixture
def people(admin: Any, moderator: Any, member: Any, suspended: Any, outsider: Any) -> dict[str, Any]:
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


@pytest.mark.parametrize("visibility", (Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET))
def test_thread_rules_by_persona(people: dict[str, Any], visibility: str) -> None:
    space = chat_space(
        f"Chat {visibility}", visibility=visibility, members=[people["joined"], people["suspended"]],
        moderators=[people["space_moderator"]],
    )  # fmt: skip
    root = Message.objects.create(space=space, author=people["joined"], body="root", html="root")
    reply = Message.objects.create(space=space, author=people["joined"], body="r", html="r", thread_root=root)
    for persona in PERSONAS:
        g = Guardian(people[persona])
        expected = EXPECTED[persona][visibility]
        reads = expected in (R, P)
        assert g.chat.view_thread.can(root) == reads, (persona, visibility, "view_thread")
        assert not g.chat.view_thread.can(reply), (persona, "a reply has no thread")
        assert g.chat.reply_in_thread.can(root) == (expected == P), (persona, visibility, "reply")
        assert g.chat.follow_thread.can(root) == (reads and persona != "anonymous"), (persona, "follow")
        moderates = persona in MODERATES or (persona == "moderator" and reads)
        may_promote = reads and (moderates or persona == "joined")
        assert g.chat.promote.can(root) == may_promote, (persona, visibility, "promote")
        if not reads:
            refusal = g.chat.reply_in_thread(root)
            assert refusal is not None and refusal.hidden  # unseen: exactly like a missing thread


def test_suspended_authors_do_not_promote(people: dict[str, Any]) -> None:
    space = chat_space("Chat", members=[people["suspended"]])
    root = Message.objects.create(space=space, author=people["suspended"], body="root", html="root")
    assert (
        Guardian(people["suspended"]).chat.promote.reason(root)
        == "Your membership does not allow this right now."
    )
