"""Rules about direct conversations (spaces of the personal kind "direct", made by chat).

- Who may start one: active members (not pending, suspended or banned), with active members only, never
  with someone they blocked or who blocked them, and never with someone who turned off direct messages
  from non-contacts unless they are a contact.
- A **contact** is someone you already share a direct conversation with (one-to-one or group): the
  preference keeps strangers out, not people you already talk to.
- A one-to-one conversation has exactly its two people; it refuses new messages from either side once
  one has blocked the other, or once the other person can no longer take part.
- A group conversation (up to MAX_PEOPLE people) has a name its members change, its members add people
  (under the same rules as starting) and leave it; the last one out leaves a history nobody sees.
- Only its members see a conversation (`spaces.view`, for every kind registered with `listed=False`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q
from django.utils import timezone

from townhall.accounts.models import Block, User
from townhall.community.models import Membership
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space, SpaceMembership

KIND = "direct"
MAX_PEOPLE = 50  # in one conversation, its starter included


def is_group(space: Space) -> bool:
    return bool((space.kind_settings or {}).get("group"))


def blocked_either_way(user_id: int, others: Sequence[int]) -> set[int]:
    """Those among `others` whom `user_id` blocked or who blocked `user_id`. One query."""
    rows = Block.objects.filter(
        Q(blocker_id=user_id, blocked_id__in=others) | Q(blocked_id=user_id, blocker_id__in=others)
    ).values_list("blocker_id", "blocked_id")
    return {b if a == user_id else a for a, b in rows}


def contacts_among(user_id: int, others: Sequence[int]) -> set[int]:
    """Those among `others` who share a direct conversation with `user_id` now. One query."""
    mine = SpaceMembership.objects.filter(
        user_id=user_id, state=SpaceMembership.ACTIVE, space__kind=KIND
    ).values("space_id")
    return set(
        SpaceMembership.objects.filter(
            space_id__in=mine, user_id__in=others, state=SpaceMembership.ACTIVE
        ).values_list("user_id", flat=True)
    )


def active_member_ids(ids: Sequence[int]) -> set[int]:
    """Those among `ids` who are active members of the community now (suspensions count as lifted once
    their end has passed, like the Guardian's standing). One query."""
    rows = Membership.objects.filter(user_id__in=ids).filter(
        Q(state=Membership.ACTIVE) | Q(state=Membership.SUSPENDED, suspended_until__lte=timezone.now())
    )
    return set(rows.values_list("user_id", flat=True))


def participant_ids(space: Space) -> list[int]:
    return list(
        SpaceMembership.objects.filter(space_id=space.pk, state=SpaceMembership.ACTIVE)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


class DirectRules(RuleGroup):
    def _may_write(self) -> Refusal | None:
        g = self.g
        if g.user is None:
            return refuse("Sign in to send direct messages.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot send direct messages for now.")
        if not g.is_member:
            return refuse("Join the community to send direct messages.")
        return None

    def _reach(self, people: Sequence[User]) -> Refusal | None:
        """May this person write to each of `people`? Three queries whatever their number."""
        user_id = self.g.user_id
        assert user_id is not None
        others = [p for p in people if p.pk != user_id]
        if len(others) != len(people):
            return refuse("You cannot send a direct message to yourself.")
        ids = [p.pk for p in others]
        active = active_member_ids(ids)  # read now: a person object may carry a stale membership
        blocked = blocked_either_way(user_id, ids)
        wary = [p.pk for p in others if p.dms_from_contacts_only]
        contacts = contacts_among(user_id, wary) if wary else set()
        for person in others:
            if person.pk not in active or person.deleted_at is not None or not person.is_active:
                return refuse(f"{person.name} cannot receive direct messages right now.")
            if person.pk in blocked:
                return refuse(f"You cannot send direct messages to {person.name}.")
            if person.dms_from_contacts_only and person.pk not in contacts:
                return refuse(f"{person.name} only accepts direct messages from people they already talk to.")
        return None

    # --- starting --------------------------------------------------------------------------------
    @rule
    def start(self, people: Sequence[User]) -> Refusal | None:
        """Start a conversation with `people` (one: one-to-one; more: a group)."""
        refusal = self._may_write()
        if refusal is not None:
            return refusal
        if not people:
            return refuse("Choose at least one member to write to.")
        if len(people) + 1 > MAX_PEOPLE:
            return refuse(f"A conversation has at most {MAX_PEOPLE} people, you included.")
        return self._reach(people)

    @rule
    def message(self, person: User) -> Refusal | None:
        """The "Message" button on a profile: a one-to-one conversation with this person."""
        return self.start([person])

    # --- inside a conversation -------------------------------------------------------------------
    def _in(self, space: Space) -> Refusal | None:
        if space.kind != KIND or not self.g.spaces.read.can(space):
            return UNSEEN
        return None

    @rule
    def send(self, space: Space) -> Refusal | None:
        """What a conversation adds to posting: a one-to-one conversation stops at a block, or when the
        other person can no longer take part."""
        unseen = self._in(space)
        if unseen is not None:
            return unseen
        if is_group(space):
            return None
        user_id = self.g.user_id
        assert user_id is not None
        others = [uid for uid in participant_ids(space) if uid != user_id]
        if not others:
            return refuse("The other person has left this conversation.")
        if Block.objects.filter(blocker_id=user_id, blocked_id__in=others).exists():
            return refuse("You blocked this member: unblock them to send messages here.")
        if blocked_either_way(user_id, others):
            return refuse("You can no longer send messages in this conversation.")
        if not active_member_ids(others):
            return refuse("This member can no longer receive direct messages.")
        return None

    @rule
    def add(self, space: Space, person: User) -> Refusal | None:
        """Add someone to a group conversation (one-to-one ones stay two)."""
        unseen = self._in(space)
        if unseen is not None:
            return unseen
        refusal = self._may_write()
        if refusal is not None:
            return refusal
        if not is_group(space):
            return refuse("A one-to-one conversation stays between two people: start a group instead.")
        if SpaceMembership.objects.filter(space_id=space.pk, user_id=person.pk).exists():
            return refuse(f"{person.name} is already in this conversation.")
        if space.member_count + 1 > MAX_PEOPLE:
            return refuse(f"A conversation has at most {MAX_PEOPLE} people.")
        return self._reach([person])

    @rule
    def rename(self, space: Space) -> Refusal | None:
        """Name a group conversation (one-to-one ones show the other person's name)."""
        unseen = self._in(space)
        if unseen is not None:
            return unseen
        refusal = self._may_write()
        if refusal is not None:
            return refusal
        if not is_group(space):
            return refuse("A one-to-one conversation shows the other person's name.")
        return None

    @rule
    def leave(self, space: Space) -> Refusal | None:
        """Leave a group conversation (anyone in it, even while suspended)."""
        unseen = self._in(space)
        if unseen is not None:
            return unseen
        if not is_group(space):
            return refuse("You cannot leave a one-to-one conversation; block the member to stop it.")
        return None
