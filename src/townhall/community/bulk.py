"""Writing the community's members and groups in bulk: importers and seeding (in the manner of Zulip's
`do_*` functions).

- `bulk_add_members`: memberships with the role, state and times given, logged as joining does
  ("community.joined" with how they came, or "community.applied" for an applicant), dated when it
  happened;
- `bulk_create_groups` and `bulk_add_group_members`: as `create_group` and `add_group_member` write them
  (same cleaning and checks, same Activity rows), with given times and, optionally, who did it.

No Guardian, no emails, no broadcasts, and none of the events that re-subscribe open streams: the
people written are not online. Each batch is one transaction; after it, one `RowsWritten` with the
ids of the memberships, groups or group members written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from townhall.accounts.models import User
from townhall.activity.log import ROW_COLUMNS, activity_row, checked_target_type
from townhall.activity.models import Activity
from townhall.activity.payloads import Person
from townhall.community.actions import clean_group
from townhall.community.actions._common import arrival_activity
from townhall.community.actions.members import GROUP_MEMBER_STATES, TAKEN, already_in_group, not_a_member
from townhall.community.models import Group, GroupMember, Membership
from townhall.core.bulkinsert import insert_rows
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid

BATCH = 5000
MEMBERS_WITHOUT_JOINING = (Membership.PENDING,)  # applicants have not joined yet


@dataclass(frozen=True)
class NewMembership:
    """A person's standing. `joined_at` None: now, except for applicants (who have not joined);
    `onboarded` fills the onboarding steps not given with the joining time."""

    user_id: int
    role: str = Membership.MEMBER
    state: str = Membership.ACTIVE
    joined_at: datetime | None = None
    applied_at: datetime | None = None  # when the row was made; None: joined_at (or now)
    onboarded: bool = False
    coc_accepted_at: datetime | None = None
    profile_completed_at: datetime | None = None
    spaces_chosen_at: datetime | None = None
    introduced_at: datetime | None = None


@dataclass(frozen=True)
class NewGroup:
    name: str
    description: str = ""
    created_at: datetime | None = None  # None: now
    created_by_id: int | None = None  # the actor of "group.created"


@dataclass(frozen=True)
class NewGroupMember:
    group_id: int
    user_id: int
    added_at: datetime | None = None  # None: now
    added_by_id: int | None = None  # the actor of "group.member_added"


def _batches[T](items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _aware(at: datetime | None, where: str) -> datetime | None:
    if at is not None and timezone.is_naive(at):
        raise Invalid(f"{where}: give times with a time zone.", field_errors={"at": ["Naive time."]})
    return at


def _people(ids: set[int]) -> dict[int, str]:
    """Usernames by id; Invalid names the first id that is nobody."""
    found = dict(User.objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}
    missing = sorted(ids - set(found))
    if missing:
        raise Invalid(f"There is no person with id {missing[0]}.", field_errors={"user_id": ["Unknown."]})
    return found


# --- memberships ----------------------------------------------------------------------------------
MEMBERSHIP_COLUMNS = (
    "user_id", "role", "state", "joined_at", "created_at", "coc_accepted_at", "profile_completed_at",
    "spaces_chosen_at", "introduced_at",
)  # fmt: skip


def bulk_add_members(
    memberships: Iterable[NewMembership], *, via: str = "import", batch_size: int = BATCH
) -> list[int]:
    """Make people members (or applicants, or anything else a membership can be), as the module says.

    `via` says how they came, in the Activity rows ("import", "seed", ...). Returns the memberships' ids.
    Errors: Invalid (unknown role, state or person, someone who already has a membership or is given
    twice, an applicant with a joining time, a naive time), before anything of that batch is written.
    """
    ids: list[int] = []
    for batch in _batches(memberships, batch_size):
        ids += _write_memberships(batch, via=via, first=len(ids) + 1)
    return ids


def _write_memberships(batch: list[NewMembership], *, via: str, first: int) -> list[int]:
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    seen: set[int] = set()
    for number, item in enumerate(batch, start=first):
        where = f"Membership {number}"
        if item.role not in Membership.ROLE_RANK:
            raise Invalid(
                f"{where}: choose member, moderator, admin or owner.", field_errors={"role": ["Unknown."]}
            )
        if item.state not in dict(Membership.STATES):
            raise Invalid(
                f"{where}: {item.state!r} is not a membership state.", field_errors={"state": ["Unknown."]}
            )
        if item.user_id in seen:
            raise Invalid(f"{where}: that person is given twice.", field_errors={"user_id": ["Twice."]})
        seen.add(item.user_id)
        for at in (item.joined_at, item.applied_at, item.coc_accepted_at, item.profile_completed_at):
            _aware(at, where)
        for at in (item.spaces_chosen_at, item.introduced_at):
            _aware(at, where)
        if item.state in MEMBERS_WITHOUT_JOINING:
            if item.joined_at is not None:
                message = f"{where}: an applicant has not joined yet (no joined_at)."
                raise Invalid(message, field_errors={"joined_at": [message]})
            joined = None
        else:
            joined = item.joined_at or now
        created = item.applied_at or joined or now
        steps = [item.coc_accepted_at, item.profile_completed_at, item.spaces_chosen_at, item.introduced_at]
        if item.onboarded:
            steps = [step or joined or created for step in steps]
        rows.append((item.user_id, item.role, item.state, joined, created, *steps))
    names = _people(seen)
    members = set(Membership.objects.filter(user_id__in=seen).values_list("user_id", flat=True))
    if members:
        message = f"@{names[min(members)]} already has a membership."
        raise Invalid(message, field_errors={"user_id": [message]})
    with transaction.atomic():
        ids = insert_rows(Membership, MEMBERSHIP_COLUMNS, rows, returning=True)
        target_type = checked_target_type(Membership)
        logged = []
        for pk, (user_id, role, state, joined, created, *_) in zip(ids, rows, strict=True):
            verb, data = arrival_activity(state, via=via, role=role)
            at = created if state in MEMBERS_WITHOUT_JOINING else joined
            logged.append(activity_row(user_id, verb, target_type, pk, space_id=None, data=data, at=at))
        insert_rows(Activity, ROW_COLUMNS, logged)
        emit(RowsWritten("community.membership", tuple(ids)))
    return ids


# --- groups ---------------------------------------------------------------------------------------
def bulk_create_groups(groups: Iterable[NewGroup], *, batch_size: int = BATCH) -> list[int]:
    """Create groups as create_group does (names unique regardless of case; "group.created" logged by
    `created_by_id`, dated `created_at`). Returns their ids. Errors: Invalid (a bad or taken name, also
    within the input; an unknown person), before anything of that batch is written."""
    ids: list[int] = []
    for batch in _batches(groups, batch_size):
        ids += _write_groups(batch, first=len(ids) + 1)
    return ids


def _write_groups(batch: list[NewGroup], *, first: int) -> list[int]:
    now = timezone.now()
    rows = []
    for number, item in enumerate(batch, start=first):
        try:
            name, description, slug = clean_group(item.name, item.description)
        except Invalid as exc:
            raise Invalid(f"Group {number}: {exc.message}", field_errors=exc.field_errors) from None
        rows.append((name, description, slug, _aware(item.created_at, f"Group {number}") or now))
    names = [row[0].lower() for row in rows]
    slugs = [row[2] for row in rows]
    clash = Group.objects.annotate(key=Lower("name")).filter(key__in=names).exists()
    clash = clash or Group.objects.filter(slug__in=slugs).exists()
    if clash or len(set(names)) < len(names) or len(set(slugs)) < len(slugs):
        raise Invalid(TAKEN, field_errors={"name": [TAKEN]})
    _people({item.created_by_id for item in batch if item.created_by_id is not None})
    with transaction.atomic():
        ids = insert_rows(Group, ("name", "description", "slug", "created_at"), rows, returning=True)
        target_type = checked_target_type(Group)
        insert_rows(
            Activity,
            ROW_COLUMNS,
            [
                activity_row(
                    item.created_by_id, "group.created", target_type, pk, space_id=None, data=None, at=row[3]
                )
                for pk, item, row in zip(ids, batch, rows, strict=True)
            ],
        )
        emit(RowsWritten("community.group", tuple(ids)))
    return ids


def bulk_add_group_members(members: Iterable[NewGroupMember], *, batch_size: int = BATCH) -> list[int]:
    """Put members in groups as add_group_member does: only active or suspended members, once each;
    "group.member_added" logged by `added_by_id`, dated `added_at`. Returns the rows' ids.
    Errors: Invalid (an unknown group or person, not a member, already in the group or given twice)."""
    ids: list[int] = []
    for batch in _batches(members, batch_size):
        ids += _write_group_members(batch)
    return ids


def _write_group_members(batch: Sequence[NewGroupMember]) -> list[int]:
    now = timezone.now()
    people = {item.user_id for item in batch}
    names = _people(people | {item.added_by_id for item in batch if item.added_by_id is not None})
    groups = {item.group_id for item in batch}
    known = set(Group.objects.filter(pk__in=groups).values_list("pk", flat=True))
    if groups - known:
        raise Invalid(
            f"There is no group with id {min(groups - known)}.", field_errors={"group_id": ["Unknown."]}
        )
    standing = dict(Membership.objects.filter(user_id__in=people).values_list("user_id", "state"))
    already = set(
        GroupMember.objects.filter(group_id__in=groups, user_id__in=people).values_list("group_id", "user_id")
    )
    for item in batch:
        if standing.get(item.user_id) not in GROUP_MEMBER_STATES:
            raise not_a_member(names[item.user_id])
        if (item.group_id, item.user_id) in already:
            raise already_in_group(names[item.user_id])
        already.add((item.group_id, item.user_id))
        _aware(item.added_at, f"@{names[item.user_id]}")
    with transaction.atomic():
        ids = insert_rows(
            GroupMember,
            ("group_id", "user_id", "added_at"),
            [(item.group_id, item.user_id, item.added_at or now) for item in batch],
            returning=True,
        )
        target_type = checked_target_type(Group)
        insert_rows(
            Activity,
            ROW_COLUMNS,
            [
                activity_row(
                    item.added_by_id, "group.member_added", target_type, item.group_id, space_id=None,
                    data=Person(item.user_id), at=item.added_at or now,
                )
                for item in batch
            ],
        )  # fmt: skip
        emit(RowsWritten("community.groupmember", tuple(ids)))
    return ids
