"""Who may start, add to, rename, leave and write in direct conversations; who sees them at all.

Conversations are spaces of the personal kind "direct": seen and read by their members only, admins
included, and never listed among community spaces."""

from __future__ import annotations

from typing import Any

import pytest
from direct_testing import block, dm, say

import factories as testing
from townhall.chat.models import Message
from townhall.community.models import Membership
from townhall.policy import Guardian
from townhall.policy.direct import MAX_PEOPLE, contacts_among
from townhall.spaces.models import Space
from townhall.spaces.queries import list_visible_spaces, sidebar_for, suggested_spaces

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sender", "refusal"),
    [
        ("member", None),
        ("moderator", None),
        ("owner", None),
        ("newcomer", None),
        ("pending", "Join the community to send direct messages."),
        ("suspended", "Your membership is suspended, so you cannot send direct messages for now."),
        ("banned", "Join the community to send direct messages."),
        ("outsider", "Join the community to send direct messages."),
    ],
)
def test_who_may_start_a_conversation(request: Any, member: Any, sender: str, refusal: str | None) -> None:
    writer = request.getfixturevalue(sender)
    other = member if sender != "member" else testing.make_member("lena", display_name="Lena")
    assert Guardian(writer).direct.start.reason([other]) == refusal


@pytest.mark.parametrize(
    ("recipient", "refusal"),
    [
        ("newcomer", None),
        ("moderator", None),
        ("pending", "Pat Pending cannot receive direct messages right now."),
        ("suspended", "Sam Suspended cannot receive direct messages right now."),
        ("banned", "Bo Banned cannot receive direct messages right now."),
        ("outsider", "Otto Outsider cannot receive direct messages right now."),
    ],
)
def test_who_may_receive_one(request: Any, member: Any, recipient: str, refusal: str | None) -> None:
    assert Guardian(member).direct.start.reason([request.getfixturevalue(recipient)]) == refusal


def test_a_lifted_suspension_lets_messages_through_again(member: Any, suspended: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Membership.objects.filter(user=suspended).update(suspended_until=timezone.now() - timedelta(minutes=1))
    assert Guardian(member).direct.start.can([suspended])
    assert Guardian(suspended).direct.start.can([member])


def test_nobody_writes_to_themselves_or_to_nobody(member: Any) -> None:
    assert Guardian(member).direct.start.reason([member]) == "You cannot send a direct message to yourself."
    assert Guardian(member).direct.start.reason([]) == "Choose at least one member to write to."


def test_a_block_either_way_stops_a_new_conversation(member: Any, newcomer: Any) -> None:
    block(newcomer, member)
    reason = "You cannot send direct messages to Nina Newcomer."
    assert Guardian(member).direct.start.reason([newcomer]) == reason
    assert (
        Guardian(newcomer).direct.start.reason([member]) == "You cannot send direct messages to Max Member."
    )


def test_contacts_only_keeps_strangers_out_but_not_people_you_already_talk_to(
    member: Any, newcomer: Any, moderator: Any
) -> None:
    member.dms_from_contacts_only = True
    member.save()
    refusal = "Max Member only accepts direct messages from people they already talk to."
    assert Guardian(newcomer).direct.start.reason([member]) == refusal
    assert Guardian(moderator).direct.start.reason([member, newcomer]) == refusal
    dm(member, moderator, newcomer)  # Max starts a group: the three of them are contacts now
    assert contacts_among(newcomer.pk, [member.pk]) == {member.pk}
    assert Guardian(newcomer).direct.start.can([member])


def test_a_conversation_has_at_most_fifty_people(member: Any) -> None:
    people = [testing.make_member(f"p{i}") for i in range(MAX_PEOPLE)]
    reason = f"A conversation has at most {MAX_PEOPLE} people, you included."
    assert Guardian(member).direct.start.reason(people) == reason
    assert Guardian(member).direct.start.can(people[: MAX_PEOPLE - 1])


@pytest.mark.parametrize("viewer", ["owner", "admin", "moderator", "newcomer", "outsider"])
def test_only_its_members_see_a_conversation_admins_included(request: Any, member: Any, viewer: str) -> None:
    other = testing.make_member("lena")
    space = dm(member, other)
    g = Guardian(request.getfixturevalue(viewer))
    assert g.spaces.view(space) is not None and g.spaces.view(space).hidden  # type: ignore[union-attr]
    assert not g.spaces.read.can(space)
    assert space not in g.spaces.visible(Space.objects.all())
    assert space not in g.spaces.readable(Space.objects.all())
    for mine in (member, other):
        assert Guardian(mine).spaces.read.can(space)
        assert space in Guardian(mine).spaces.readable(Space.objects.all())


def test_members_never_moderate_manage_or_join_a_conversation(owner: Any, member: Any) -> None:
    space = dm(owner, member, testing.make_member("lena"))
    g = Guardian(owner)
    assert g.spaces.read.can(space)
    assert g.spaces.manage.reason(space) == "This is a private conversation, not a community space."
    assert not g.spaces.moderate.can(space)
    assert g.spaces.join_mode(space) is None
    message = say(member, space, "hello")
    assert not g.chat.delete.can(message) and not g.chat.pin.can(message)


def test_conversations_stay_out_of_space_lists(member: Any, newcomer: Any) -> None:
    lounge = testing.make_space("Lounge", members=[member])
    space = dm(member, newcomer)
    g = Guardian(member)
    assert list(list_visible_spaces(g)) == [lounge]
    assert [s for group in sidebar_for(g) for s in group.spaces] == [lounge]
    assert space not in suggested_spaces(g)


def test_a_one_to_one_conversation_stops_at_a_block_from_either_side(member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    assert Guardian(member).chat.post.can(space)
    row = block(member, newcomer)
    assert (
        Guardian(member).chat.post.reason(space)
        == "You blocked this member: unblock them to send messages here."
    )
    assert (
        Guardian(newcomer).chat.post.reason(space) == "You can no longer send messages in this conversation."
    )
    row.delete()
    block(newcomer, member)
    assert Guardian(member).chat.post.reason(space) == "You can no longer send messages in this conversation."


def test_a_one_to_one_conversation_stops_when_the_other_person_is_banned(member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    Membership.objects.filter(user=newcomer).update(state=Membership.BANNED)
    assert Guardian(member).chat.post.reason(space) == "This member can no longer receive direct messages."


def test_a_group_carries_on_past_a_block_between_two_of_its_members(
    member: Any, newcomer: Any, moderator: Any
) -> None:
    space = dm(member, newcomer, moderator)
    block(member, newcomer)
    assert Guardian(newcomer).chat.post.can(space)


def test_add_rename_and_leave_are_for_groups(member: Any, newcomer: Any, moderator: Any) -> None:
    pair = dm(member, newcomer)
    g = Guardian(member)
    assert g.direct.add.reason(pair, moderator) == (
        "A one-to-one conversation stays between two people: start a group instead."
    )
    assert g.direct.rename.reason(pair) == "A one-to-one conversation shows the other person's name."
    assert (
        g.direct.leave.reason(pair)
        == "You cannot leave a one-to-one conversation; block the member to stop it."
    )
    group = dm(member, newcomer, name="Star party")
    g = Guardian(member)
    assert g.direct.add.can(group, moderator)
    assert g.direct.add.reason(group, newcomer) == "Nina Newcomer is already in this conversation."
    assert g.direct.rename.can(group) and g.direct.leave.can(group)


def test_people_outside_a_conversation_get_not_found_for_everything(
    member: Any, newcomer: Any, moderator: Any, admin: Any
) -> None:
    group = dm(member, newcomer, name="Star party")
    for outside in (moderator, admin):
        g = Guardian(outside)
        for refusal in (
            g.direct.add(group, outside),
            g.direct.rename(group),
            g.direct.leave(group),
            g.chat.post(group),
            g.chat.read(group),
        ):
            assert refusal is not None and refusal.hidden


def test_messages_of_a_conversation_are_visible_to_its_members_only(
    member: Any, newcomer: Any, admin: Any
) -> None:
    space = dm(member, newcomer)
    message = say(member, space, "psst")
    assert list(Guardian(newcomer).chat.visible_messages(Message.objects.all())) == [message]
    assert list(Guardian(admin).chat.visible_messages(Message.objects.all())) == []


def test_the_space_kind_registry_knows_personal_kinds() -> None:
    from townhall.core.registries import listed_kind_choices, space_kinds, unlisted_kinds

    assert unlisted_kinds() == ["direct"]
    assert "direct" not in dict(listed_kind_choices()) and "chat" in dict(listed_kind_choices())
    kind = space_kinds["direct"]
    assert kind.listed is False and kind.page_url is not None
    assert all(k.listed and k.page_url is None for k in space_kinds if k.key != "direct")


def test_visible_and_readable_agree_with_the_rules_for_conversations(
    owner: Any, admin: Any, moderator: Any, member: Any, newcomer: Any, suspended: Any, banned: Any
) -> None:
    """The SQL filters and the Python rules give the same answer for every persona and conversation."""
    from townhall.community.models import Membership as M

    group = dm(member, newcomer, moderator, name="Group")
    lena = testing.make_member("lena")
    pair = dm(member, lena)
    M.objects.filter(user=lena).update(state=M.SUSPENDED)  # suspended members still read their messages
    lounge = testing.make_space("Lounge", members=[member])
    for person in (owner, admin, moderator, member, newcomer, lena, suspended, banned):
        g = Guardian(person)
        for space in (group, pair, lounge):
            assert (space in g.spaces.visible(Space.objects.all())) == g.spaces.view.can(space), (
                person,
                space,
            )
            assert (space in g.spaces.readable(Space.objects.all())) == g.spaces.read.can(space), (
                person,
                space,
            )
    assert Guardian(lena).spaces.read.can(pair) and not Guardian(lena).chat.post.can(pair)
    assert not Guardian(admin).spaces.read.can(group)
