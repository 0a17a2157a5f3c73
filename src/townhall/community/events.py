"""What the community app tells the rest of the house: its domain events and its Activity verbs."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.payloads import Fields, Name, Person
from townhall.activity.verbs import MODERATORS, PRIVATE, Verb
from townhall.core.effects import AccessChanged, DomainEvent


# --- domain events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StandingChanged(AccessChanged):
    """A person's standing in the community changed, and with it what they may read: joined, applied,
    approved, rejected, left, suspended, banned, restored, role_changed (`op`)."""

    required_consumers = ("notifications",)

    user_id: int
    actor_id: int | None
    op: str

    def affected_users(self) -> tuple[int, ...] | None:
        return (self.user_id,)


@dataclass(frozen=True)
class GroupMembershipChanged(AccessChanged):
    """Someone was added to or removed from a group (`op`: "added", "removed"), or a group was deleted
    (`op`: "deleted", `user_ids`: its members). Spaces restricted to the group follow: a deleted group's
    spaces become open to every member, so that reaches anyone."""

    group_id: int
    user_ids: tuple[int, ...]
    actor_id: int | None
    op: str

    def affected_users(self) -> tuple[int, ...] | None:
        return None if self.op == "deleted" else self.user_ids


@dataclass(frozen=True)
class CommunityUpdated(DomainEvent):
    actor_id: int | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class InvitationAccepted(DomainEvent):
    required_consumers = ("notifications",)

    invitation_id: int
    user_id: int
    inviter_id: int | None


# --- activity verbs and their payloads ----------------------------------------------------------------
@dataclass(frozen=True)
class JoinedData:
    via: str
    role: str


@dataclass(frozen=True)
class RoleChangedData:
    previous: str
    role: str


@dataclass(frozen=True)
class SuspendedData:
    until: str | None


@dataclass(frozen=True)
class InvitationData:
    email: bool


ONBOARDING_STEPS = (
    "coc_accepted",
    "profile_completed",
    "spaces_chosen",
    "introduced",
    "introduction_skipped",
)

VERBS = [
    Verb("community.joined", JoinedData),
    Verb("community.applied", audience=MODERATORS),
    Verb("community.left"),
    Verb("community.updated", Fields, audience=MODERATORS),
    Verb("application.approved", Person, audience=MODERATORS),
    Verb("application.rejected", Person, audience=MODERATORS),
    Verb("invitation.created", InvitationData, audience=PRIVATE),
    Verb("invitation.accepted"),
    Verb("invitation.revoked", audience=PRIVATE),
    Verb("member.role_changed", RoleChangedData, audience=MODERATORS),
    Verb("member.suspended", SuspendedData, audience=MODERATORS),
    Verb("member.banned", audience=MODERATORS),
    Verb("member.restored", audience=MODERATORS),
    Verb("group.created"),
    Verb("group.updated"),
    Verb("group.deleted", Name),
    Verb("group.member_added", Person),
    Verb("group.member_removed", Person, audience=MODERATORS),
    *(Verb(f"onboarding.{step}", audience=PRIVATE) for step in ONBOARDING_STEPS),
]
