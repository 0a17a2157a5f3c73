"""The community rules this app added to the Guardian, persona by persona."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.community.models import Community, Invitation
from townhall.policy import Guardian

PERSONAS = [
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

#                 owner  admin  mod    member newcom pend   susp   banned outsid anon
EXPECTED = {
    "onboard": (True, True, True, True, True, False, False, False, False, False),
    "manage_members": (True, True, True, False, False, False, False, False, False, False),
    "view_directory": (True, True, True, True, True, False, True, False, False, False),
    "review_applications": (True, True, True, False, False, False, False, False, False, False),
    "manage_community": (True, True, False, False, False, False, False, False, False, False),
    "leave_community": (False, True, True, True, True, False, False, False, False, False),
    "view_member_emails": (True, True, False, False, False, False, False, False, False, False),
}


def person(request: Any, name: str) -> Any:
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_rule_table(request: Any, community: Community, rule: str, index: int) -> None:
    guardian = Guardian(person(request, PERSONAS[index]))
    name = {"manage_community": "manage", "leave_community": "leave"}.get(rule, rule)
    assert getattr(guardian.community, name).can() is EXPECTED[rule][index]


@pytest.mark.parametrize(
    ("name", "own", "other"),
    [
        ("moderator", True, True),
        ("member", True, False),
        ("suspended", False, False),
        ("outsider", False, False),
    ],
)
def test_revoke_invitation(request: Any, owner: Any, name: str, own: bool, other: bool) -> None:
    user = request.getfixturevalue(name)
    mine = Invitation.objects.create(token=f"mine-{name}", created_by=user)
    theirs = Invitation.objects.create(token=f"theirs-{name}", created_by=owner)
    guardian = Guardian(user)
    assert guardian.community.revoke_invitation.can(mine) is own
    assert guardian.community.revoke_invitation.can(theirs) is other


def test_suspension_with_future_end_still_holds(community: Community) -> None:
    from datetime import timedelta

    from django.utils import timezone

    user = testing.make_member("sue", state="suspended")
    user.membership.suspended_until = timezone.now() + timedelta(hours=1)
    user.membership.save()
    assert Guardian(user).is_suspended
