"""The Guardian's account rules, persona by persona."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.accounts import actions
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian

PERSONAS = ["owner", "admin", "moderator", "member", "newcomer", "pending", "suspended", "banned", "outsider"]


@pytest.mark.parametrize(
    ("persona", "edit", "delete"),
    [
        ("owner", True, False),
        ("admin", True, True),
        ("moderator", True, True),
        ("member", True, True),
        ("newcomer", True, True),
        ("pending", True, True),
        ("suspended", True, True),
        ("banned", False, True),
        ("outsider", True, True),
        ("anonymous", False, False),
    ],
)
def test_account_rules(request: Any, community: Any, persona: str, edit: bool, delete: bool) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    guardian = Guardian(user)
    assert guardian.accounts.edit_profile.can() is edit
    assert guardian.accounts.delete_account.can() is delete
    if edit:
        guardian.accounts.edit_profile.ensure()
    else:
        with pytest.raises(PermissionDenied):
            guardian.accounts.edit_profile.ensure()
    if delete:
        guardian.accounts.delete_account.ensure()
    else:
        with pytest.raises(PermissionDenied):
            guardian.accounts.delete_account.ensure()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "member"] + ["anonymous"])
def test_only_the_holder_manages_a_token(request: Any, member: Any, persona: str) -> None:
    token, _ = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    guardian = Guardian(user)
    assert guardian.accounts.manage_token.can(token) is False
    with pytest.raises(NotFound):
        guardian.accounts.manage_token.ensure(token)
    assert not guardian.accounts.visible_tokens(type(token).objects.all()).filter(pk=token.pk).exists()
    mine = Guardian(member)
    assert mine.accounts.manage_token.can(token)
    assert list(mine.accounts.visible_tokens(type(token).objects.all())) == [token]
