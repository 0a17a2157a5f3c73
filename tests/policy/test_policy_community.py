"""The community rules, table by table (policy/community.py)."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.community.models import Community, Membership
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db

OWNER, ADMIN, MODERATOR, MEMBER = Membership.OWNER, Membership.ADMIN, Membership.MODERATOR, Membership.MEMBER
ROLES = [OWNER, ADMIN, MODERATOR, MEMBER]
ALL_PERSONAS = [
    "owner",
    "admin",
    "moderator",
    "member",
    "newcomer",
    "pending",
    "suspended",
    "banned",
    "outsider",
    "anonymous",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _persona(request: pytest.FixtureRequest, name: str) -> Any:
    request.getfixturevalue("community")
    return None if name == "anonymous" else request.getfixturevalue(name)


def _check(allowed: bool, can: bool, ensure: Any) -> None:
    assert can is allowed
    if allowed:
        ensure()
    else:
        with pytest.raises((PermissionDenied, NotFound)):
            ensure()


# --- managing the community --------------------------------------------------------------------------
MANAGE = {"owner": True, "admin": True}
REVIEW = {"owner": True, "admin": True, "moderator": True}
DIRECTORY = {
    "owner": True,
    "admin": True,
    "moderator": True,
    "member": True,
    "newcomer": True,
    "suspended": True,
}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_manage_community_review_applications_and_directory(
    request: pytest.FixtureRequest, persona: str
) -> None:
    g = Guardian(_persona(request, persona))
    _check(MANAGE.get(persona, False), g.community.manage.can(), g.community.manage.ensure)
    _check(
        REVIEW.get(persona, False),
        g.community.review_applications.can(),
        g.community.review_applications.ensure,
    )
    _check(DIRECTORY.get(persona, False), g.community.view_directory.can(), g.community.view_directory.ensure)
    _check(MANAGE.get(persona, False), g.community.manage_groups.can(), g.community.manage_groups.ensure)


def test_hidden_directory_answers_404(outsider: Any) -> None:
    with pytest.raises(NotFound):
        Guardian(outsider).community.view_directory.ensure()


# --- invitations per join policy ---------------------------------------------------------------------
#                 open   approval invite
INVITATIONS = {
    "owner":     (True, True, True),
    "admin":     (True, True, True),
    "moderator": (True, True, True),
    "member":    (True, False, False),
    "newcomer":  (True, False, False),
    "pending":   (False, False, False),
    "suspended": (False, False, False),
    "banned":    (False, False, False),
    "outsider":  (False, False, False),
    "anonymous": (False, False, False),
}  # fmt: skip


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_create_invitation_per_join_policy(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(_persona(request, persona))
    for policy, allowed in zip(
        [Community.OPEN, Community.APPROVAL, Community.INVITE], INVITATIONS[persona], strict=True
    ):
        community = testing.make_community(join_policy=policy)
        _check(
            allowed,
            g.community.create_invitation.can(community),
            lambda c=community: g.community.create_invitation.ensure(c),
        )


# --- joining the community ---------------------------------------------------------------------------
#                 open   approval invite
JOIN = {
    "owner":     (False, False, False),
    "member":    (False, False, False),
    "pending":   (False, False, False),
    "suspended": (False, False, False),
    "banned":    (False, False, False),
    "outsider":  (True, True, False),
    "anonymous": (False, False, False),
}  # fmt: skip


@pytest.mark.parametrize("persona", list(JOIN))
def test_join_community_per_policy(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(_persona(request, persona))
    for policy, allowed in zip(
        [Community.OPEN, Community.APPROVAL, Community.INVITE], JOIN[persona], strict=True
    ):
        community = testing.make_community(join_policy=policy)
        _check(allowed, g.community.join.can(community), lambda c=community: g.community.join.ensure(c))


# --- roles -------------------------------------------------------------------------------------------
# actor -> target's current role -> which new roles the actor may give (owner, admin, moderator, member)
SET_ROLE: dict[str, dict[str, tuple[bool, bool, bool, bool]]] = {
    "owner": {
        OWNER:     (False, False, False, False),
        ADMIN:     (False, True, True, True),
        MODERATOR: (False, True, True, True),
        MEMBER:    (False, True, True, True),
    },
    "admin": {
        OWNER:     (False, False, False, False),
        ADMIN:     (False, False, False, False),
        MODERATOR: (False, False, True, True),
        MEMBER:    (False, False, True, True),
    },
}  # fmt: skip
NOBODY = {role: (False, False, False, False) for role in ROLES}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_set_role_matrix(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(_persona(request, persona))
    table = SET_ROLE.get(persona, NOBODY)
    for target_role in ROLES:
        target = testing.make_member(role=target_role).membership
        for new_role, allowed in zip(ROLES, table[target_role], strict=True):
            _check(
                allowed,
                g.community.set_role.can(target, new_role),
                lambda t=target, r=new_role: g.community.set_role.ensure(t, r),
            )


def test_nobody_changes_their_own_role(owner: Any, admin: Any) -> None:
    for user in (owner, admin):
        g = Guardian(user)
        for role in ROLES:
            assert not g.community.set_role.can(user.membership, role)


def test_an_unknown_role_is_never_allowed(owner: Any, member: Any) -> None:
    assert not Guardian(owner).community.set_role.can(member.membership, "superuser")


def test_suspended_admin_cannot_set_roles(community: Any, member: Any) -> None:
    sally = testing.make_member("sally", role=ADMIN, state=Membership.SUSPENDED)
    assert not Guardian(sally).community.set_role.can(member.membership, MODERATOR)


# --- sanctions ---------------------------------------------------------------------------------------
# actor -> may suspend/ban a target whose role is (owner, admin, moderator, member)
SANCTION: dict[str, tuple[bool, bool, bool, bool]] = {
    "owner":     (False, True, True, True),
    "admin":     (False, False, True, True),
    "moderator": (False, False, False, True),
}  # fmt: skip


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_sanction_member_matrix(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(_persona(request, persona))
    row = SANCTION.get(persona, (False, False, False, False))
    for target_role, allowed in zip(ROLES, row, strict=True):
        target = testing.make_member(role=target_role).membership
        _check(
            allowed,
            g.community.sanction_member.can(target),
            lambda t=target: g.community.sanction_member.ensure(t),
        )


def test_nobody_sanctions_themselves(owner: Any, moderator: Any) -> None:
    for user in (owner, moderator):
        assert not Guardian(user).community.sanction_member.can(user.membership)


# --- profiles ----------------------------------------------------------------------------------------
SUBJECTS = ["active", "suspended", "pending", "banned", "no_membership", "self"]
#                     active suspended pending banned none  self
PROFILES = {
    "owner":     (True, True, True, True, True, True),
    "admin":     (True, True, True, True, True, True),
    "moderator": (True, True, True, True, True, True),
    "member":    (True, True, False, False, False, True),
    "newcomer":  (True, True, False, False, False, True),
    "suspended": (True, True, False, False, False, True),
    "pending":   (False, False, False, False, False, True),
    "banned":    (False, False, False, False, False, True),
    "outsider":  (False, False, False, False, False, True),
    "anonymous": (False, False, False, False, False, False),
}  # fmt: skip


def _subject(kind: str, viewer: Any) -> Any:
    if kind == "self":
        return viewer
    if kind == "no_membership":
        return testing.make_user()
    state = {"active": Membership.ACTIVE, "suspended": Membership.SUSPENDED}.get(kind, kind)
    return testing.make_member(state=state)


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_view_profile_matrix(request: pytest.FixtureRequest, persona: str) -> None:
    viewer = _persona(request, persona)
    g = Guardian(viewer)
    for kind, allowed in zip(SUBJECTS, PROFILES[persona], strict=True):
        if kind == "self" and viewer is None:
            assert allowed is False
            continue
        person = _subject(kind, viewer)
        assert g.community.view_profile.can(person) is allowed, f"{persona} viewing {kind}"
        if allowed:
            g.community.view_profile.ensure(person)
        else:
            with pytest.raises(NotFound):
                g.community.view_profile.ensure(person)


def test_visible_members_filter(
    member: Any, moderator: Any, pending: Any, banned: Any, outsider: Any
) -> None:
    everyone = Membership.objects.all()
    assert set(Guardian(moderator).community.visible_members(everyone)) == set(everyone)
    shown = set(Guardian(member).community.visible_members(everyone).values_list("user__username", flat=True))
    assert shown == {"max", "mona"}
    assert not Guardian(outsider).community.visible_members(everyone).exists()
    assert not Guardian(None).community.visible_members(everyone).exists()
