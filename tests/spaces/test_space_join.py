"""Joining, requesting, accepting invitations and leaving spaces (actions)."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.realtime.publish import user_group
from townhall.spaces import actions
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


def _row(space: Space, user: Any) -> SpaceMembership | None:
    return SpaceMembership.objects.filter(space=space, user=user).first()


def test_member_joins_a_members_space_directly(
    member: Any, moderator: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space_mod = testing.make_member("smod")
    space = testing.make_space("Deep sky", moderators=[space_mod])
    guardian = Guardian(member)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.join_space(guardian, space)
    assert row.state == SpaceMembership.ACTIVE and row.role == SpaceMembership.MEMBER
    space.refresh_from_db()
    assert space.member_count == 2
    assert guardian.spaces.is_member(space)
    assert Activity.objects.filter(verb="space.joined", actor=member, space_id=space.pk).exists()
    assert broadcasts == [
        (
            [user_group(member.pk), user_group(space_mod.pk)],
            {"type": "space", "op": "joined", "space_id": space.pk, "user_id": member.pk},
        )
    ]


def test_broadcast_waits_for_commit(
    member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space = testing.make_space("Planets")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.join_space(Guardian(member), space)
    assert broadcasts == []
    for callback in callbacks:  # the commit: the broadcast, then the domain event's listeners
        callback()
    assert [payload["op"] for _, payload in broadcasts] == ["joined"]


def test_joining_a_private_space_makes_a_request(
    member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space_mod = testing.make_member("smod")
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, moderators=[space_mod])
    guardian = Guardian(member)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.join_space(guardian, space, message="I shoot galaxies")
    assert row.state == SpaceMembership.REQUESTED
    assert row.request_message == "I shoot galaxies"
    space.refresh_from_db()
    assert space.member_count == 1
    assert guardian.spaces.has_requested(space)
    assert broadcasts[0][0] == [user_group(member.pk), user_group(space_mod.pk)]
    assert broadcasts[0][1]["op"] == "requested"


def test_invited_member_accepts_by_joining_a_secret_space(member: Any) -> None:
    space = testing.make_space("Secret", visibility=Space.SECRET)
    SpaceMembership.objects.create(space=space, user=member, state=SpaceMembership.INVITED)
    row = actions.join_space(Guardian(member), space)
    assert row.state == SpaceMembership.ACTIVE
    space.refresh_from_db()
    assert space.member_count == 1
    assert SpaceMembership.objects.filter(space=space, user=member).count() == 1


def test_joining_twice_is_refused(member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    with pytest.raises(PermissionDenied, match="already in this space"):
        actions.join_space(Guardian(member), space)
    space.refresh_from_db()
    assert space.member_count == 1


def test_second_request_is_refused(member: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE)
    actions.join_space(Guardian(member), space)
    with pytest.raises(PermissionDenied, match="waiting for a moderator"):
        actions.join_space(Guardian(member), space)


def test_stale_guardian_cannot_double_join(member: Any) -> None:
    """The lock and the fresh row read inside the transaction win over a stale Guardian cache."""
    space = testing.make_space("Planets")
    stale = Guardian(member)
    assert stale.space_roles == {}
    actions.join_space(Guardian(member), space)
    with pytest.raises(PermissionDenied, match="already in this space"):
        actions.join_space(stale, space)
    space.refresh_from_db()
    assert space.member_count == 1


def test_secret_space_unseen_is_not_found(member: Any) -> None:
    space = testing.make_space("Secret", visibility=Space.SECRET)
    with pytest.raises(NotFound):
        actions.join_space(Guardian(member), space)
    assert _row(space, member) is None


def test_admin_joins_a_secret_space_directly(admin: Any) -> None:
    space = testing.make_space("Secret", visibility=Space.SECRET)
    # admins see secret spaces and may join them directly
    row = actions.join_space(Guardian(admin), space)
    assert row.state == SpaceMembership.ACTIVE


def test_group_space_refuses_non_group_member(member: Any) -> None:
    group = testing.make_group("Berlin")
    space = testing.make_space("Berlin chat", group=group, visibility=Space.PUBLIC)
    with pytest.raises(PermissionDenied, match="members of its group"):
        actions.join_space(Guardian(member), space)


def test_group_member_joins_group_space(member: Any) -> None:
    group = testing.make_group("Berlin", [member])
    space = testing.make_space("Berlin chat", group=group)
    assert actions.join_space(Guardian(member), space).state == SpaceMembership.ACTIVE


@pytest.mark.parametrize(
    ("persona", "reason"),
    [
        ("suspended", "suspended"),
        ("pending", "Join the community first"),
        ("outsider", "Join the community first"),
    ],
)
def test_people_outside_active_membership_cannot_join(
    request: pytest.FixtureRequest, persona: str, reason: str
) -> None:
    user = request.getfixturevalue(persona)
    space = testing.make_space("Public", visibility=Space.PUBLIC)
    with pytest.raises(PermissionDenied, match=reason):
        actions.join_space(Guardian(user), space)
    assert _row(space, user) is None


def test_anonymous_cannot_join(community: Any) -> None:
    space = testing.make_space("Public", visibility=Space.PUBLIC)
    with pytest.raises(PermissionDenied, match="Sign in"):
        actions.join_space(Guardian(None), space)


def test_banned_member_does_not_see_members_space(banned: Any) -> None:
    space = testing.make_space("Members")
    with pytest.raises(NotFound):
        actions.join_space(Guardian(banned), space)


def test_archived_space_cannot_be_joined(member: Any) -> None:
    from django.utils import timezone

    space = testing.make_space("Old", archived_at=timezone.now())
    with pytest.raises(PermissionDenied, match="archived"):
        actions.join_space(Guardian(member), space)


def test_newcomer_joins_during_onboarding(newcomer: Any) -> None:
    space = testing.make_space("Welcome", visibility=Space.PUBLIC)
    assert actions.join_space(Guardian(newcomer), space).state == SpaceMembership.ACTIVE
