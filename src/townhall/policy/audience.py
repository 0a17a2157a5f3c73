"""Who, among many people, may read a space at this moment: the `spaces.read` rule asked of thousands
of people at once (a notification fan-out to a space's 10,000 watchers), in two queries instead of one
Guardian per person.

It answers exactly what `Guardian(user).spaces.read.can(space)` answers for each of them, restricted to
people who belong to the community (active or suspended members: suspended ones still read as
members), because only they are told anything: a banned, pending or departed person, or a visitor
without a membership, gets nothing even about a public space. The policy tests check the two agree
for every persona and space state.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from townhall.community.models import GroupMember, Membership
from townhall.core.registries import unlisted_kinds
from townhall.spaces.models import Space, SpaceMembership

READERS = (Membership.ACTIVE, Membership.SUSPENDED)
MODERATOR_RANK = Membership.ROLE_RANK[Membership.MODERATOR]
ADMIN_RANK = Membership.ROLE_RANK[Membership.ADMIN]


def community_readers(user_ids: Iterable[int]) -> dict[int, int]:
    """{user_id: rank} of the people among `user_ids` who read as members now (one query). The rank
    is their role's (Membership.ROLE_RANK) when they are active, 0 while suspended: a suspended
    moderator or admin has no powers, as in the Guardian. A suspension whose end date has passed
    counts as active, without a write."""
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return {}
    now = timezone.now()
    rows = Membership.objects.filter(user_id__in=ids, state__in=READERS).values_list(
        "user_id", "state", "role", "suspended_until"
    )
    found: dict[int, int] = {}
    for user_id, state, role, until in rows:
        active = state == Membership.ACTIVE or (until is not None and until <= now)
        found[user_id] = Membership.ROLE_RANK.get(role, 0) if active else 0
    return found


def space_readers(space: Space, user_ids: Iterable[int]) -> set[int]:
    """The people among `user_ids` who belong to the community and may read `space` now (two or three
    queries whatever their number)."""
    ranks = community_readers(user_ids)
    if not ranks:
        return set()
    ids = list(ranks)
    active_in_space = set(
        SpaceMembership.objects.filter(
            space_id=space.pk, user_id__in=ids, state=SpaceMembership.ACTIVE
        ).values_list("user_id", flat=True)
    )
    if space.kind in unlisted_kinds():  # a conversation: its own members, whoever they are
        return active_in_space
    if space.visibility == Space.PUBLIC:
        return set(ids)
    admins = {uid for uid, rank in ranks.items() if rank >= ADMIN_RANK}
    moderators = {uid for uid, rank in ranks.items() if rank >= MODERATOR_RANK}
    if space.visibility == Space.SECRET:
        return admins | active_in_space
    if space.visibility == Space.PRIVATE:
        return moderators | active_in_space
    # Members-only: every member of the space's group (or of the community, when it has none).
    if space.group_id is None:
        return set(ids)
    in_group = set(
        GroupMember.objects.filter(Q(group_id=space.group_id) & Q(user_id__in=ids)).values_list(
            "user_id", flat=True
        )
    )
    return moderators | active_in_space | in_group
