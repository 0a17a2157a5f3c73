"""What accounts tells the rest of the house: its domain events and its Activity verbs."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.payloads import Fields
from townhall.activity.verbs import PRIVATE, Verb
from townhall.core.effects import AccessChanged, DomainEvent


@dataclass(frozen=True)
class ProfileChanged(DomainEvent):
    """A person's public face changed: their profile fields, avatar or name (`fields`)."""

    user_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AccountDeleted(AccessChanged):
    """The person deleted their account: they read nothing any more (their open streams close)."""

    user_id: int

    def affected_users(self) -> tuple[int, ...] | None:
        return (self.user_id,)


@dataclass(frozen=True)
class MemberBlocked(AccessChanged):
    """`blocker_id` blocked `blocked_id` (no DMs between them, presence and typing hidden both ways).
    Both people's open streams re-subscribe, which makes them ask again whom they may hear."""

    blocker_id: int
    blocked_id: int

    def affected_users(self) -> tuple[int, ...]:
        return (self.blocker_id, self.blocked_id)


@dataclass(frozen=True)
class MemberUnblocked(AccessChanged):
    blocker_id: int
    blocked_id: int

    def affected_users(self) -> tuple[int, ...]:
        return (self.blocker_id, self.blocked_id)


@dataclass(frozen=True)
class DmPreferenceData:
    contacts_only: bool


@dataclass(frozen=True)
class TokenData:
    scope: str


VERBS = [
    Verb("profile.updated", Fields, audience=PRIVATE),
    Verb("profile.avatar_set", audience=PRIVATE),
    Verb("profile.avatar_removed", audience=PRIVATE),
    Verb("token.created", TokenData, audience=PRIVATE),
    Verb("token.revoked", audience=PRIVATE),
    Verb("account.deleted", audience=PRIVATE),
    # Who blocked whom stays between the blocker and the admins: the blocked person is never told.
    Verb("member.blocked", audience=PRIVATE),
    Verb("member.unblocked", audience=PRIVATE),
    Verb("dms.preference_set", DmPreferenceData, audience=PRIVATE),
]
