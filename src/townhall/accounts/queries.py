"""Reads about people: profiles and one's own access tokens, scoped by the Guardian."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from townhall.accounts.models import AccessToken, Block, User
from townhall.community.models import Group
from townhall.core.errors import NotFound

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_BLOCKED_SHOWN = 1000


def profile_queryset() -> QuerySet[User]:
    """Everything a profile page shows, in a fixed number of queries (user+membership, interests, groups)."""

    return User.objects.select_related("membership").prefetch_related(
        "interests", Prefetch("member_groups", queryset=Group.objects.order_by("name"))
    )


def get_profile_or_404(guardian: Guardian, username: str) -> User:
    """The person with this @username (any case), or 404 when missing, deleted or not visible."""
    person = profile_queryset().filter(username__iexact=username, deleted_at__isnull=True).first()
    if person is None:
        raise NotFound("Not found")
    guardian.community.view_profile.ensure(person)
    return person


def list_tokens(guardian: Guardian) -> QuerySet[AccessToken]:
    """The caller's live (unrevoked) personal access tokens, newest first."""
    return guardian.accounts.visible_tokens(AccessToken.objects.filter(revoked_at__isnull=True)).order_by(
        "-created_at"
    )


def get_token_or_404(guardian: Guardian, token_id: int) -> AccessToken:
    """One of the caller's own tokens (revoked ones too); anyone else's is a 404."""
    token = guardian.accounts.visible_tokens(AccessToken.objects.filter(pk=token_id)).first()
    if token is None:
        raise NotFound("Not found")
    return token


def blocked_members(guardian: Guardian) -> list[User]:
    """The people this person blocked, the latest first. One query."""
    if guardian.user_id is None:
        return []
    return [
        row.blocked
        for row in Block.objects.filter(blocker_id=guardian.user_id).select_related("blocked")[
            :MAX_BLOCKED_SHOWN
        ]
    ]


def has_blocked(guardian: Guardian, person: User) -> bool:
    if guardian.user_id is None:
        return False
    return Block.objects.filter(blocker_id=guardian.user_id, blocked_id=person.pk).exists()
