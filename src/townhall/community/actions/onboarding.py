"""Onboarding a new member: code of conduct, profile and interests, spaces, introduction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from townhall.accounts.actions import update_profile
from townhall.activity.log import record_activity
from townhall.community.actions._common import locked_membership
from townhall.community.models import Community, Membership
from townhall.core.errors import Invalid, PermissionDenied
from townhall.spaces.actions import join_space

if TYPE_CHECKING:
    from townhall.policy import Guardian
    from townhall.spaces.models import Space

MAX_INTRODUCTION = 2000
MAX_SPACES_AT_ONCE = 50


def _mark(guardian: Guardian, field: str, verb: str, **extra: Any) -> Membership:
    with transaction.atomic():
        membership = locked_membership(guardian.user)
        assert membership is not None
        setattr(membership, field, timezone.now())
        for name, value in extra.items():
            setattr(membership, name, value)
        membership.save(update_fields=[field, *extra, "updated_at"])
        record_activity(guardian.user, verb, membership)
    guardian.refresh()
    return membership


def accept_code_of_conduct(guardian: Guardian, community: Community) -> Membership:
    """Step 1: the member accepts the code of conduct. Active members only. Records "onboarding.coc_accepted"."""
    guardian.community.onboard.ensure()
    return _mark(guardian, "coc_accepted_at", "onboarding.coc_accepted")


def complete_profile(guardian: Guardian, *, data: Any) -> Membership:
    """Step 2: save the profile and interests through accounts.update_profile, then mark the step done.

    Raises the accounts' ProfileInvalid (an Invalid carrying the bound form) on bad input.
    """

    guardian.community.onboard.ensure()
    assert guardian.user is not None
    with transaction.atomic():
        update_profile(guardian, guardian.user, data=data)
        return _mark(guardian, "profile_completed_at", "onboarding.profile_completed")


def finish_space_selection(guardian: Guardian, *, spaces: list[Space]) -> Membership:
    """Step 3: join the chosen spaces (through spaces.join_space; private ones become requests), then mark it done.

    Spaces the member is already in are skipped; a space they may not join raises PermissionDenied
    naming it, and nothing is joined.
    """

    guardian.community.onboard.ensure()
    if len(spaces) > MAX_SPACES_AT_ONCE:
        raise Invalid(f"Choose at most {MAX_SPACES_AT_ONCE} spaces at once.")
    with transaction.atomic():
        for space in spaces:
            if guardian.spaces.is_member(space) or guardian.spaces.has_requested(space):
                continue
            try:
                join_space(guardian, space)
            except PermissionDenied as exc:
                raise PermissionDenied(f"{space.name}: {exc.reason}") from None
        return _mark(guardian, "spaces_chosen_at", "onboarding.spaces_chosen")


def write_introduction(guardian: Guardian, *, text: str, skip: bool = False) -> Membership:
    """Step 4 (skippable): a short introduction shown on the profile and in home's "New members".

    Also used later to edit it. At most 2000 characters; empty only when skipping.
    Records "onboarding.introduced" (or "onboarding.introduction_skipped").
    """
    guardian.community.onboard.ensure()
    text = (text or "").strip()
    if skip:
        return _mark(guardian, "introduced_at", "onboarding.introduction_skipped")
    if not text:
        raise Invalid(
            "Write a few words, or skip this step.",
            field_errors={"introduction": ["Write a few words, or skip this step."]},
        )
    if len(text) > MAX_INTRODUCTION:
        message = f"Keep your introduction under {MAX_INTRODUCTION} characters."
        raise Invalid(message, field_errors={"introduction": [message]})
    return _mark(guardian, "introduced_at", "onboarding.introduced", introduction=text)
