"""What spaces tells the rest of the house: its domain events and its Activity verbs."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.payloads import Direction, Fields, Name, Person, Via
from townhall.activity.verbs import MODERATORS, Verb
from townhall.core.effects import AccessChanged


# --- domain events ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpaceCreated(AccessChanged):
    """A new space: admins read every space, and members (or anyone) may read it by its visibility."""

    space_id: int
    kind: str
    actor_id: int | None

    def affected_users(self) -> tuple[int, ...] | None:
        return None


@dataclass(frozen=True)
class SpaceChanged(AccessChanged):
    """Settings changed, or the space was archived or unarchived (`op`). When its visibility or group
    changed, anyone's reading of it may have changed."""

    space_id: int
    actor_id: int | None
    op: str
    fields: tuple[str, ...] = ()

    def affected_users(self) -> tuple[int, ...] | None:
        return None if {"visibility", "group_id"} & set(self.fields) else ()


@dataclass(frozen=True)
class SpaceMembershipChanged(AccessChanged):
    """One person's place in a space changed: joined, left, requested, approved, denied, invited,
    moderator_added, moderator_removed (`op`)."""

    required_consumers = ("notifications",)

    space_id: int
    user_id: int
    actor_id: int | None
    op: str

    def affected_users(self) -> tuple[int, ...] | None:
        return (self.user_id,)


# --- activity verbs and their payloads ----------------------------------------------------------------
@dataclass(frozen=True)
class LeftData:
    state: str  # what the person left: "active", "requested" or "invited"


@dataclass(frozen=True)
class SectionData:
    section_id: int | None


VERBS = [
    Verb("space.created"),
    Verb("space.updated", Fields),
    Verb("space.archived"),
    Verb("space.unarchived"),
    Verb("space.joined", Via),
    Verb("space.join_requested", audience=MODERATORS),
    Verb("space.left", LeftData),
    Verb("space.request_approved", Person, audience=MODERATORS),
    Verb("space.request_denied", Person, audience=MODERATORS),
    Verb("space.invited", Person, audience=MODERATORS),
    Verb("space.moderator_added", Person),
    Verb("space.moderator_removed", Person),
    Verb("space.moved", Direction, audience=MODERATORS),
    Verb("space.section_assigned", SectionData, audience=MODERATORS),
    Verb("section.created", Name, audience=MODERATORS),
    Verb("section.renamed", Name, audience=MODERATORS),
    Verb("section.deleted", Name, audience=MODERATORS),
    Verb("section.moved", Direction, audience=MODERATORS),
]
