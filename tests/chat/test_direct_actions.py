"""Starting, adding to, renaming and leaving direct conversations; blocking and unblocking members."""

from __future__ import annotations

from typing import Any

import pytest
from direct_testing import block, dm, say

import factories as testing
from townhall.accounts import actions as account_actions
from townhall.accounts.events import MemberBlocked, MemberUnblocked
from townhall.accounts.models import Block
from townhall.activity.models import Activity
from townhall.chat import actions
from townhall.chat.direct import my_conversations, unread_total
from townhall.chat.direct_events import ConversationChanged
from townhall.chat.models import ChannelRead
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.policy.direct import MAX_PEOPLE
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


def test_starting_a_one_to_one_conversation_twice_opens_the_same_one(
    member: Any, newcomer: Any, committed: Any, broadcasts: Any, emitted: Any
) -> None:
    with committed():
        space = dm(member, newcomer)
    assert space.kind == "direct" and space.visibility == Space.SECRET
    assert space.kind_settings == {"group": False, "named": False}
    assert set(SpaceMembership.objects.filter(space=space).values_list("user_id", flat=True)) == {
        member.pk,
        newcomer.pk,
    }
    assert dm(newcomer, member) == space  # from the other side too
    assert Space.objects.filter(kind="direct").count() == 1
    assert ChannelRead.objects.filter(space=space).count() == 2
    assert Activity.objects.filter(verb="conversation.started", space_id=space.pk).count() == 1
    started = [e for e in emitted if isinstance(e, ConversationChanged)]
    assert [(e.op, set(e.user_ids)) for e in started] == [("started", {member.pk, newcomer.pk})]
    direct = [(sorted(groups), p) for groups, p in broadcasts if p["type"] == "direct"]
    assert direct == [
        (
            sorted([f"user.{member.pk}", f"user.{newcomer.pk}"]),
            {"type": "direct", "op": "started", "space_id": space.pk},
        )
    ]


def test_several_people_or_a_name_make_a_group(member: Any, newcomer: Any, moderator: Any) -> None:
    group = dm(member, newcomer, moderator)
    assert group.kind_settings["group"] and group.member_count == 3
    assert group.name == "Max Member, Nina Newcomer, Mona Moderator"
    named = dm(member, newcomer, name="  Star   party ")
    assert named.name == "Star party" and named.kind_settings == {"group": True, "named": True}
    assert named != group


def test_starting_is_refused_with_a_reason(member: Any, newcomer: Any, pending: Any) -> None:
    g = Guardian(member)
    with pytest.raises(Invalid, match="Choose at least one member"):
        actions.start_conversation(g, people=[])
    with pytest.raises(PermissionDenied, match="Pat Pending cannot receive"):
        actions.start_conversation(g, people=[pending])
    with pytest.raises(Invalid, match="at most 80 characters"):
        actions.start_conversation(g, people=[newcomer], name="x" * 81)
    block(newcomer, member)
    with pytest.raises(PermissionDenied, match="You cannot send direct messages to Nina Newcomer"):
        actions.start_conversation(g, people=[newcomer])
    assert not Space.objects.filter(kind="direct").exists()


def test_messages_in_a_conversation_count_as_unread_for_the_others(member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    say(member, space, "Clear skies tonight?")
    say(member, space, "Bring the 80mm")
    assert unread_total(Guardian(newcomer)) == 2
    assert unread_total(Guardian(member)) == 0
    (conversation,) = my_conversations(Guardian(newcomer))
    assert conversation.unread == 2 and conversation.preview == "Bring the 80mm"
    assert conversation.title == "Max Member"
    actions.mark_read(Guardian(newcomer), space, up_to=conversation.last.pk)  # type: ignore[union-attr]
    assert unread_total(Guardian(newcomer)) == 0


def test_messages_from_someone_you_blocked_do_not_count(member: Any, newcomer: Any, moderator: Any) -> None:
    group = dm(member, newcomer, moderator)
    say(newcomer, group, "hi all")
    say(moderator, group, "hello")
    block(member, newcomer)
    assert unread_total(Guardian(member)) == 1


def test_adding_someone_to_a_group(
    member: Any, newcomer: Any, moderator: Any, committed: Any, broadcasts: Any, emitted: Any
) -> None:
    group = dm(member, newcomer, name="Star party")
    say(member, group, "before you came")
    with committed():
        actions.add_to_conversation(Guardian(newcomer), group, person=moderator)
    group.refresh_from_db()
    assert group.member_count == 3
    assert Guardian(moderator).spaces.read.can(group)
    assert unread_total(Guardian(moderator)) == 0  # the history is there, not unread
    assert Activity.objects.filter(verb="conversation.member_added", space_id=group.pk).count() == 1
    assert [e.user_ids for e in emitted if isinstance(e, ConversationChanged) and e.op == "added"] == [
        (moderator.pk,)
    ]
    added = [p for _g, p in broadcasts if p.get("op") == "added"]
    assert added == [{"type": "direct", "op": "added", "space_id": group.pk}]


def test_a_group_stops_at_fifty_people(member: Any) -> None:
    people = [testing.make_member(f"p{i}") for i in range(MAX_PEOPLE - 1)]
    group = dm(member, *people)
    with pytest.raises(PermissionDenied, match="at most 50 people"):
        actions.add_to_conversation(Guardian(member), group, person=testing.make_member("one-too-many"))


def test_renaming_a_group_and_clearing_its_name(member: Any, newcomer: Any, moderator: Any) -> None:
    group = dm(member, newcomer, moderator)
    actions.rename_conversation(Guardian(newcomer), group, name="Comet chasers")
    group.refresh_from_db()
    assert group.name == "Comet chasers" and group.kind_settings["named"]
    assert my_conversations(Guardian(member))[0].title == "Comet chasers"
    actions.rename_conversation(Guardian(newcomer), group, name="")
    assert my_conversations(Guardian(member))[0].title == "Mona Moderator and Nina Newcomer"
    activity = Activity.objects.filter(verb="conversation.renamed").order_by("id")
    assert [a.data["name"] for a in activity] == [
        "Max Member, Nina Newcomer, Mona Moderator",
        "Comet chasers",
    ]


def test_a_one_to_one_conversation_cannot_be_renamed_grown_or_left(
    member: Any, newcomer: Any, moderator: Any
) -> None:
    pair = dm(member, newcomer)
    g = Guardian(member)
    with pytest.raises(PermissionDenied):
        actions.rename_conversation(g, pair, name="Us")
    with pytest.raises(PermissionDenied):
        actions.add_to_conversation(g, pair, person=moderator)
    with pytest.raises(PermissionDenied):
        actions.leave_conversation(g, pair)


def test_leaving_a_group_hides_it_and_the_last_one_out_leaves_the_history_to_nobody(
    member: Any, newcomer: Any, admin: Any, committed: Any, broadcasts: Any
) -> None:
    group = dm(member, newcomer, name="Star party")
    say(member, group, "see you there")
    with committed():
        actions.leave_conversation(Guardian(member), group)
    assert my_conversations(Guardian(member)) == []
    assert not Guardian(member).spaces.read.can(group)
    left = [(sorted(g), p["op"]) for g, p in broadcasts if p["type"] == "direct"]
    assert left == [(sorted([f"user.{member.pk}", f"user.{newcomer.pk}"]), "left")]
    actions.leave_conversation(Guardian(newcomer), group)
    group.refresh_from_db()
    assert group.member_count == 0 and group.chat_messages.count() == 1
    assert not Guardian(admin).spaces.read.can(group)


def test_outsiders_act_on_a_conversation_as_if_it_did_not_exist(
    member: Any, newcomer: Any, moderator: Any
) -> None:
    group = dm(member, newcomer, name="Star party")
    g = Guardian(moderator)
    with pytest.raises(NotFound):
        actions.send_message(g, group, body="let me in")
    with pytest.raises(NotFound):
        actions.rename_conversation(g, group, name="mine")
    with pytest.raises(NotFound):
        actions.leave_conversation(g, group)
    with pytest.raises(NotFound):
        actions.add_to_conversation(g, group, person=moderator)


def test_a_block_refuses_new_messages_in_the_pair_with_a_reason(member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    account_actions.block_member(Guardian(newcomer), member)
    with pytest.raises(PermissionDenied, match="You can no longer send messages in this conversation"):
        say(member, space, "hello?")
    with pytest.raises(PermissionDenied, match="You blocked this member"):
        say(newcomer, space, "hello?")


# --- blocking ------------------------------------------------------------------------------------------
def test_blocking_and_unblocking(
    member: Any, newcomer: Any, committed: Any, broadcasts: Any, emitted: Any
) -> None:
    g = Guardian(member)
    with committed():
        row = account_actions.block_member(g, newcomer)
        assert account_actions.block_member(g, newcomer) == row  # again: nothing new
    assert Block.objects.filter(blocker=member, blocked=newcomer).count() == 1
    assert Activity.objects.filter(verb="member.blocked", actor=member).count() == 1
    assert [type(e) for e in emitted] == [MemberBlocked]
    assert broadcasts == []  # the blocked person is not told
    account_actions.unblock_member(g, newcomer)
    account_actions.unblock_member(g, newcomer)  # not blocked any more: nothing written
    assert not Block.objects.exists()
    assert Activity.objects.filter(verb="member.unblocked").count() == 1
    assert [type(e) for e in emitted] == [MemberBlocked, MemberUnblocked]


def test_nobody_blocks_themselves_and_signed_out_people_block_nobody(member: Any, banned: Any) -> None:
    with pytest.raises(PermissionDenied, match="You cannot block yourself"):
        account_actions.block_member(Guardian(member), member)
    with pytest.raises(PermissionDenied, match="banned"):
        account_actions.block_member(Guardian(banned), member)
    with pytest.raises(PermissionDenied, match="Sign in"):
        account_actions.block_member(Guardian(None), member)


def test_the_dm_preference(member: Any) -> None:
    account_actions.set_dm_preference(Guardian(member), contacts_only=True)
    member.refresh_from_db()
    assert member.dms_from_contacts_only
    assert Activity.objects.get(verb="dms.preference_set").data == {"contacts_only": True}


def test_a_block_hides_presence_both_ways(member: Any, newcomer: Any, moderator: Any) -> None:
    from townhall.accounts.blocking import hidden_presence

    block(member, newcomer)
    everyone = frozenset({member.pk, newcomer.pk, moderator.pk})
    assert set(hidden_presence(member.pk, everyone)) == {newcomer.pk}
    assert set(hidden_presence(newcomer.pk, everyone)) == {member.pk}
    assert set(hidden_presence(moderator.pk, everyone)) == set()
    assert hidden_presence(None, everyone) == ()


def test_presence_reads_offline_across_a_block(member: Any, newcomer: Any, moderator: Any) -> None:
    from townhall.realtime import presence

    presence.touch(newcomer.pk, "tab-1")
    presence.touch(member.pk, "tab-2")
    assert presence.of([newcomer.pk], viewer_id=moderator.pk) == {newcomer.pk: "online"}
    block(member, newcomer)
    assert presence.of([newcomer.pk], viewer_id=member.pk) == {newcomer.pk: "offline"}
    assert presence.of([member.pk], viewer_id=newcomer.pk) == {member.pk: "offline"}
    assert presence.of([newcomer.pk], viewer_id=moderator.pk) == {newcomer.pk: "online"}


def test_starting_again_after_leaving_the_community_puts_you_back_in(member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    say(member, space, "before you left")
    SpaceMembership.objects.filter(space=space, user=newcomer).delete()  # what leaving the community does
    Space.objects.filter(pk=space.pk).update(member_count=1)
    assert Guardian(member).chat.post.reason(space) == "The other person has left this conversation."
    assert dm(newcomer, member) == space
    space.refresh_from_db()
    assert space.member_count == 2 and Guardian(newcomer).spaces.read.can(space)
    assert Guardian(member).chat.post.can(space)


def test_the_space_leave_route_does_not_apply_to_conversations(member: Any, newcomer: Any) -> None:
    group = dm(member, newcomer, name="Star party")
    assert (
        Guardian(member).spaces.leave.reason(group)
        == "This is a private conversation, not a community space."
    )


def test_starting_conversations_is_rate_limited(
    member: Any, newcomer: Any, moderator: Any, settings: Any
) -> None:
    from townhall.core.errors import RateLimited

    settings.DM_START_RATE = "2/h"
    dm(member, newcomer, name="One")
    dm(member, newcomer, name="Two")
    with pytest.raises(RateLimited):
        dm(member, moderator)
    assert Space.objects.filter(kind="direct").count() == 2


def test_unread_counts_leave_out_blocked_authors_in_conversations_and_channels(
    member: Any, newcomer: Any, moderator: Any, lounge: Space
) -> None:
    from townhall.chat.queries import unread_by_space

    group = dm(member, newcomer, moderator)
    ChannelRead.objects.create(user=member, space=lounge, last_read_id=0)  # Max has opened the channel
    for space in (group, lounge):
        say(newcomer, space, "from nina")
    say(moderator, group, "from mona")
    assert unread_by_space(Guardian(member), [group.pk, lounge.pk]) == {group.pk: 2, lounge.pk: 1}
    block(member, newcomer)
    assert unread_by_space(Guardian(member), [group.pk, lounge.pk]) == {group.pk: 1}
    assert my_conversations(Guardian(member))[0].unread == unread_total(Guardian(member)) == 1
