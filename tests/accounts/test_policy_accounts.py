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
    assert guardian.can_edit_profile() is edit
    assert guardian.can_delete_account() is delete
    if edit:
        guardian.ensure_can_edit_profile()
    else:
        with pytest.raises(PermissionDenied):
            guardian.ensure_can_edit_profile()
    if delete:
        guardian.ensure_can_delete_account()
    else:
        with pytest.raises(PermissionDenied):
            guardian.ensure_can_delete_account()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "member"] + ["anonymous"])
def test_only_the_holder_manages_a_token(request: Any, member: Any, persona: str) -> None:
    token, _ = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    guardian = Guardian(user)
    assert guardian.can_manage_token(token) is False
    with pytest.raises(NotFound):
        guardian.ensure_can_manage_token(token)
    assert not guardian.visible_tokens(type(token).objects.all()).filter(pk=token.pk).exists()
    mine = Guardian(member)
    assert mine.can_manage_token(token)
    assert list(mine.visible_tokens(type(token).objects.all())) == [token]
