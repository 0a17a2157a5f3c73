"""The demo's direct messages: believable conversations among members, a group, unread messages for the
demo member, and one block, all written through the actions and the bulk layer."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.accounts.models import Block
from townhall.activity.models import Activity
from townhall.chat.direct import my_conversations, unread_total
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.seed import demo_dms
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(community: Any) -> dict[str, Any]:
    names = {s for s, others, *_rest in demo_dms.CONVERSATIONS for s in (s, *others)}
    return {name: testing.make_member(name, display_name=name.title()) for name in sorted(names)}


def test_the_demo_has_conversations_a_group_and_a_block(users: dict[str, Any]) -> None:
    counts = demo_dms.seed_dms(users, timezone.now())
    assert counts == {
        "conversations": len(demo_dms.CONVERSATIONS),
        "direct messages": sum(len(c[3]) for c in demo_dms.CONVERSATIONS),
        "blocks": 1,
    }
    spaces = Space.objects.filter(kind="direct")
    assert spaces.count() == len(demo_dms.CONVERSATIONS)
    group = spaces.get(name="Abisko aurora trip")
    assert group.kind_settings["group"] and group.member_count == 5
    assert Block.objects.filter(blocker=users["maya"], blocked=users["jack"]).exists()
    assert Activity.objects.filter(verb="member.blocked").count() == 1
    assert Activity.objects.filter(verb="conversation.started").count() == len(demo_dms.CONVERSATIONS)
    # every author is a member of the conversation they wrote in
    for message in Message.objects.filter(space__kind="direct"):
        assert SpaceMembership.objects.filter(space_id=message.space_id, user_id=message.author_id).exists()


def test_the_demo_member_finds_unread_messages_newest_first(users: dict[str, Any]) -> None:
    demo_dms.seed_dms(users, timezone.now())
    lena = Guardian(users["lena"])
    inbox = my_conversations(lena)
    assert [c.title for c in inbox][:2] == ["Ben", "Abisko aurora trip"]
    assert inbox[0].unread == 1 and inbox[1].unread == 2
    assert unread_total(lena) == 3


def test_the_block_stops_the_sales_pitches(users: dict[str, Any]) -> None:
    demo_dms.seed_dms(users, timezone.now())
    pair = Space.objects.get(kind="direct", memberships__user=users["jack"])
    assert (
        Guardian(users["jack"]).chat.post.reason(pair)
        == "You can no longer send messages in this conversation."
    )
    (conversation,) = [c for c in my_conversations(Guardian(users["maya"])) if c.space == pair]
    assert conversation.preview == "Message from a member you blocked"
