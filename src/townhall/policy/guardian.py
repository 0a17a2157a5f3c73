"""The Guardian: who is asking, their standing loaded once per request, and every app's rule group.

Rules are grouped per app and composed explicitly here (`guardian.spaces.read.can(space)`); each group
lives in its own module of this package and reaches the person's standing through `self.g`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from townhall.community.models import GroupMember, Membership
from townhall.policy.accounts import AccountRules
from townhall.policy.activity import ActivityRules
from townhall.policy.calendar import EventRules
from townhall.policy.chat import ChatRules
from townhall.policy.community import CommunityRules
from townhall.policy.direct import DirectRules
from townhall.policy.discussions import DiscussionRules
from townhall.policy.importers import ImportRules
from townhall.policy.notifications import NotificationRules
from townhall.policy.push import PushRules
from townhall.policy.spaces import SpaceRules
from townhall.spaces.models import SpaceMembership

if TYPE_CHECKING:
    from townhall.accounts.models import User


class Standing:
    """Holds the person and answers questions about their standing in the community."""

    def __init__(self, user: User | Any | None) -> None:
        self.user = user if (user is not None and user.is_authenticated) else None
        self._stale_spaces: set[int] = set()

    # --- keeping in step with writes -------------------------------------------------------------
    def refresh(self) -> None:
        """Forget everything loaded about this person; the next question reads it again."""
        for name in ("membership", "group_ids", "_space_roles"):
            self.__dict__.pop(name, None)
        self._stale_spaces.clear()

    def forget(self, space_id: int) -> None:
        """Forget this person's place in one space; the next question about it reads that row again."""
        self._stale_spaces.add(space_id)

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
    def is_banned(self) -> bool:
        return self.state == Membership.BANNED

    @property
    def can_read_as_member(self) -> bool:
        """Active and suspended members read members-only content; suspended ones cannot write."""
        return self.state in (Membership.ACTIVE, Membership.SUSPENDED)

    def rank(self) -> int:
        if not self.is_member or self.role is None:
            return 0
        return Membership.ROLE_RANK[self.role]

    @property
    def is_owner(self) -> bool:
        return self.is_member and self.role == Membership.OWNER

    @property
    def is_admin(self) -> bool:
        """Owner or admin, and active."""
        return self.rank() >= Membership.ROLE_RANK[Membership.ADMIN]

    @property
    def is_moderator(self) -> bool:
        """Moderator, admin or owner, and active."""
        return self.rank() >= Membership.ROLE_RANK[Membership.MODERATOR]

    @cached_property
    def group_ids(self) -> frozenset[int]:
        if self.user is None:
            return frozenset()
        return frozenset(GroupMember.objects.filter(user_id=self.user.pk).values_list("group_id", flat=True))

    @cached_property
    def _space_roles(self) -> dict[int, tuple[str, str]]:
        if self.user is None:
            return {}
        rows = SpaceMembership.objects.filter(user_id=self.user.pk).values_list("space_id", "state", "role")
        return {space_id: (state, role) for space_id, state, role in rows}

    @property
    def space_roles(self) -> dict[int, tuple[str, str]]:
        """space_id -> (state, role) for every space membership row of this person."""
        roles = self._space_roles
        if self._stale_spaces and self.user is not None:
            stale = list(self._stale_spaces)
            self._stale_spaces.clear()
            for space_id in stale:
                roles.pop(space_id, None)
            rows = SpaceMembership.objects.filter(user_id=self.user.pk, space_id__in=stale)
            for space_id, state, role in rows.values_list("space_id", "state", "role"):
                roles[space_id] = (state, role)
        return roles


class Guardian(Standing):
    """THE authorization object: one per request (or task), asked by every action, query and template."""

    def __init__(self, user: User | Any | None) -> None:
        super().__init__(user)
        self.community = CommunityRules(self)
        self.spaces = SpaceRules(self)
        self.accounts = AccountRules(self)
        self.discussions = DiscussionRules(self)
        self.activity = ActivityRules(self)
        self.chat = ChatRules(self)
        self.direct = DirectRules(self)
        self.push = PushRules(self)
        self.notifications = NotificationRules(self)
        self.importers = ImportRules(self)
        self.events = EventRules(self)
