"""The importers' rules, persona by persona (policy/importers.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from townhall.importers.models import ClaimInvitation, Placeholder
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db

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


def _who(request: pytest.FixtureRequest, name: str) -> Any:
    request.getfixturevalue("community")
    return None if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(("persona", "allowed"), [(p, p in {"owner", "admin"}) for p in PERSONAS])
def test_who_imports_and_manages_placeholders(
    request: pytest.FixtureRequest, persona: str, allowed: bool
) -> None:
    guardian = Guardian(_who(request, persona))
    placeholder = Placeholder.objects.create(source="toychat", source_id="x", name="X")
    assert guardian.importers.manage.can() is allowed
    assert guardian.importers.manage_placeholder.can(placeholder) is allowed


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [(p, p in {"owner", "admin", "moderator", "member", "newcomer"}) for p in PERSONAS],
)
def test_who_may_accept_a_claim(request: pytest.FixtureRequest, persona: str, allowed: bool) -> None:
    guardian = Guardian(_who(request, persona))
    placeholder = Placeholder.objects.create(source="toychat", source_id="x", name="X")
    invitation = ClaimInvitation.objects.create(
        placeholder=placeholder, token_hash="h", expires_at=timezone.now() + timedelta(days=1)
    )
    assert guardian.importers.claim.can(invitation) is allowed


@pytest.mark.parametrize(
    ("state", "reason"),
    [("used", "already been used"), ("expired", "expired"), ("claimed", "already been claimed")],
)
def test_a_claim_is_refused_once_used_expired_or_claimed(
    member: Any, owner: Any, state: str, reason: str
) -> None:
    placeholder = Placeholder.objects.create(source="toychat", source_id="x", name="X")
    invitation = ClaimInvitation.objects.create(
        placeholder=placeholder, token_hash="h", expires_at=timezone.now() + timedelta(days=1)
    )
    if state == "used":
        invitation.used_at = timezone.now()
    elif state == "expired":
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
    else:
        placeholder.claimed_by = owner
    assert reason in (Guardian(member).importers.claim.reason(invitation) or "")
    if state == "claimed":
        assert Guardian(owner).importers.manage_placeholder.reason(placeholder) is not None
