"""The Guardian's core: who is asking, with their community standing loaded once per request."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from townhall.community.models import Membership
from townhall.core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from townhall.accounts.models import User


class GuardianBase:
    """Holds the person and answers questions about their standing. Rules live in the mixins."""

    def __init__(self, user: User | Any | None) -> None:
        self.user = user if (user is not None and user.is_authenticated) else None

    # --- who -------------------------------------------------------------------------------------
    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    @cached_property
    def membership(self) -> Membership | None:
        if self.user is None:
            return None
        cached = getattr(self.user, "_membership_cache", None)
        if cached is not None:
            return cached
        return Membership.objects.filter(user_id=self.user.pk).first()

    @property
    def state(self) -> str | None:
        m = self.membership
        if m is None:
            return None
        # A suspension with an end date lifts itself once that date has passed, without a write.
        if (
            m.state == Membership.SUSPENDED
            and m.suspended_until is not None
            and m.suspended_until <= timezone.now()
        ):
            return Membership.ACTIVE
        return m.state

    @property
    def role(self) -> str | None:
        m = self.membership
        return m.role if m and m.state in (Membership.ACTIVE, Membership.SUSPENDED) else None

    @property
    def is_member(self) -> bool:
        """Active members: full participation."""
        return self.state == Membership.ACTIVE

    @property
    def is_suspended(self) -> bool:
        return self.state == Membership.SUSPENDED

    @property
    def can_read_as_member(self) -> bool:
        """Active and suspended members read members-only content; suspended ones cannot write."""
        return self.state in (Membership.ACTIVE, Membership.SUSPENDED)

    def _rank(self) -> int:
        if not self.is_member or self.role is None:
            return 0
        return Membership.ROLE_RANK[self.role]

    @property
    def is_owner(self) -> bool:
        return self.is_member and self.role == Membership.OWNER

    @property
    def is_admin(self) -> bool:
        """Owner or admin, and active."""
        return self._rank() >= Membership.ROLE_RANK[Membership.ADMIN]

    @property
    def is_moderator(self) -> bool:
        """Moderator, admin or owner, and active."""
        return self._rank() >= Membership.ROLE_RANK[Membership.MODERATOR]

    @cached_property
    def group_ids(self) -> frozenset[int]:
        if self.user is None:
            return frozenset()
        from townhall.community.models import GroupMember

        return frozenset(GroupMember.objects.filter(user_id=self.user.pk).values_list("group_id", flat=True))

    @cached_property
    def space_roles(self) -> dict[int, tuple[str, str]]:
        """space_id -> (state, role) for every space membership row of this person."""
        if self.user is None:
            return {}
        from townhall.spaces.models import SpaceMembership

        rows = SpaceMembership.objects.filter(user_id=self.user.pk).values_list("space_id", "state", "role")
        return {space_id: (state, role) for space_id, state, role in rows}

    # --- helpers for ensure_* --------------------------------------------------------------------
    @staticmethod
    def deny(reason: str) -> PermissionDenied:
        return PermissionDenied(reason)

    @staticmethod
    def not_found() -> NotFound:
        return NotFound("Not found")
