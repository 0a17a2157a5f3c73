"""How a rule is asked: one function, three answers that cannot drift apart, and templates."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template

import factories as testing
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import UNSEEN, Guardian, Refusal
from townhall.policy.community import CommunityRules
from townhall.policy.discussions import DiscussionRules
from townhall.policy.rules import rule_names
from townhall.policy.spaces import SpaceRules
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_a_refusal_becomes_the_right_error() -> None:
    assert isinstance(Refusal("Only admins.").error(), PermissionDenied)
    assert Refusal("Only admins.").error().reason == "Only admins."  # type: ignore[union-attr]
    assert isinstance(UNSEEN.error(), NotFound)


def test_can_ensure_and_reason_come_from_the_same_rule(member: Any) -> None:
    secret = testing.make_space("Hush", visibility=Space.SECRET)
    private = testing.make_space("Inner", visibility=Space.PRIVATE)
    g = Guardian(member)
    assert g.spaces.read(secret) is UNSEEN
    with pytest.raises(NotFound):
        g.spaces.read.ensure(secret)
    refusal = g.spaces.read(private)
    assert refusal is not None and not refusal.hidden
    assert g.spaces.read.reason(private) == refusal.reason
    with pytest.raises(PermissionDenied) as raised:
        g.spaces.read.ensure(private)
    assert raised.value.reason == refusal.reason
    assert not g.spaces.read.can(private)


def test_every_group_has_rules_and_each_is_documented_or_obvious() -> None:
    for group in (CommunityRules, SpaceRules, DiscussionRules):
        names = rule_names(group)
        assert len(names) >= 5, group
        assert all(name and not name.startswith("can_") for name in names)


def test_templates_ask_rules_by_name(member: Any, admin: Any) -> None:
    private = testing.make_space("Inner", visibility=Space.PRIVATE)
    template = Template(
        '{% can "spaces.read" space as ok %}{% refusal "spaces.read" space as why %}'
        "{{ ok }}|{{ why }}|{{ guardian.community.manage.can }}"
    )
    as_member = template.render(Context({"guardian": Guardian(member), "space": private}))
    assert as_member == "False|This space is private — request to join to read it.|False"
    as_admin = template.render(Context({"guardian": Guardian(admin), "space": private}))
    assert as_admin == "True|None|True"


def test_without_a_guardian_templates_allow_nothing() -> None:
    template = Template('{% can "spaces.create" as ok %}{{ ok }}')
    assert template.render(Context({})) == "False"


def test_forget_and_refresh_reload_what_changed(member: Any) -> None:
    space = testing.make_space("Planets", visibility=Space.PUBLIC)
    g = Guardian(member)
    assert not g.spaces.is_member(space)
    space.memberships.create(user=member)
    assert not g.spaces.is_member(space), "standing is loaded once per Guardian"
    g.forget(space.pk)
    assert g.spaces.is_member(space)
    assert not g.is_moderator
    member.membership.role = "moderator"
    member.membership.save()
    assert not g.is_moderator
    g.refresh()
    assert g.is_moderator
