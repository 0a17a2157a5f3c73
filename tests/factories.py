"""Factories for tests: communities, members, groups and spaces made directly in the database."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.models import User
from townhall.community.models import Community, Group, GroupMember, Membership
from townhall.spaces.models import Space, SpaceMembership

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_community(**fields: Any) -> Community:
    defaults: dict[str, Any] = {
        "name": "Night Sky Collective",
        "tagline": "Astrophotographers helping each other see further",
        "mission": "We help each other capture the night sky.",
        "code_of_conduct": "Be kind. Share what you know. No gatekeeping.",
    }
    defaults.update(fields)
    community, _ = Community.objects.update_or_create(pk=1, defaults=defaults)
    return community


def make_user(username: str | None = None, *, verified: bool = True, **fields: Any) -> User:
    n = next(_seq)
    username = username or f"user{n}"
    email = fields.pop("email", f"{username.lower()}@example.org")
    user = User.objects.create_user(username=username, email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def make_member(
    username: str | None = None,
    *,
    role: str = Membership.MEMBER,
    state: str = Membership.ACTIVE,
    onboarded: bool = True,
    **fields: Any,
) -> User:
    user = make_user(username, **fields)
    now = timezone.now()
    Membership.objects.create(
        user=user,
        role=role,
        state=state,
        joined_at=now if state != Membership.PENDING else None,
        coc_accepted_at=now if onboarded else None,
        profile_completed_at=now if onboarded else None,
        spaces_chosen_at=now if onboarded else None,
        introduced_at=now if onboarded else None,
    )
    return user


def make_group(name: str, members: list[User] | tuple[User, ...] = ()) -> Group:
    group = Group.objects.create(name=name, slug=slugify(name))
    GroupMember.objects.bulk_create([GroupMember(group=group, user=u) for u in members])
    return group


def make_space(
    name: str | None = None,
    *,
    visibility: str = Space.MEMBERS,
    members: list[User] | tuple[User, ...] = (),
    moderators: list[User] | tuple[User, ...] = (),
    **fields: Any,
) -> Space:
    n = next(_seq)
    name = name or f"Space {n}"
    space = Space.objects.create(
        name=name, slug=fields.pop("slug", slugify(name)), visibility=visibility, **fields
    )
    rows = [SpaceMembership(space=space, user=u) for u in members]
    rows += [SpaceMembership(space=space, user=u, role=SpaceMembership.MODERATOR) for u in moderators]
    SpaceMembership.objects.bulk_create(rows)
    Space.objects.filter(pk=space.pk).update(member_count=len(rows))
    space.member_count = len(rows)
    return space
