"""Writing spaces and their members in bulk: importers and seeding (in the manner of Zulip's `do_*`).

- `bulk_create_spaces`: as `create_space` writes them (the same cleaning, slugs with "-2", "-3"… on a
  clash, each at the end of its sidebar section, the creator its first moderator, "space.created"),
  with the time given;
- `bulk_add_space_members`: space memberships with the state and role given, `member_count` kept
  right (one UPDATE per space and batch), logged as the actions log them: "space.joined" (with how
  they came), "space.join_requested" or "space.invited", dated when it happened.

No Guardian, no broadcasts, none of the events that re-subscribe open streams. Each batch is one
transaction; after it, one `RowsWritten` with the ids of the spaces or space memberships written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.accounts.models import User
from townhall.activity.log import ROW_COLUMNS, activity_row, checked_target_type
from townhall.activity.models import Activity
from townhall.activity.payloads import Person, Via
from townhall.community.models import Group, Membership
from townhall.core.bulkinsert import insert_rows
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid
from townhall.spaces.actions import REQUEST_MESSAGE_MAX, _clean_text, clean_space, next_position, unique_slug
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

BATCH = 5000


@dataclass(frozen=True)
class NewSpace:
    name: str
    description: str = ""
    icon: str = "💬"
    kind: str = Space.DEFAULT_KIND
    kind_settings: dict[str, Any] | None = None
    visibility: str = Space.MEMBERS
    posting: str = Space.EVERYONE
    group_id: int | None = None
    section_id: int | None = None
    created_by_id: int | None = None  # becomes the space's first moderator, as with create_space
    created_at: datetime | None = None  # None: now


@dataclass(frozen=True)
class NewSpaceMember:
    """Someone in a space: active (joined), requested (asked to join) or invited (by `by_id`)."""

    space_id: int
    user_id: int
    state: str = SpaceMembership.ACTIVE
    role: str = SpaceMembership.MEMBER
    request_message: str = ""
    at: datetime | None = None  # when they joined, asked or were invited; None: now
    by_id: int | None = None  # who invited them (the actor of "space.invited")


def _batches[T](items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _aware(at: datetime | None, where: str) -> None:
    if at is not None and timezone.is_naive(at):
        raise Invalid(f"{where}: give times with a time zone.", field_errors={"at": ["Naive time."]})


# --- spaces ---------------------------------------------------------------------------------------
SPACE_COLUMNS = (
    "name", "slug", "description", "icon", "kind", "kind_settings", "visibility", "posting", "group_id",
    "section_id", "position", "created_by_id", "member_count", "created_at",
)  # fmt: skip


def bulk_create_spaces(spaces: Iterable[NewSpace], *, batch_size: int = BATCH) -> list[int]:
    """Create spaces as create_space does (see the module's docstring); returns their ids.

    Errors: Invalid (the create form's checks; an unknown creator; a naive time), before anything of
    that batch is written.
    """
    ids: list[int] = []
    for batch in _batches(spaces, batch_size):
        ids += _write_spaces(batch, first=len(ids) + 1)
    return ids


def _write_spaces(batch: list[NewSpace], *, first: int) -> list[int]:
    now = timezone.now()
    creators = {item.created_by_id for item in batch if item.created_by_id is not None}
    known = set(User.objects.filter(pk__in=creators).values_list("pk", flat=True)) if creators else set()
    if creators - known:
        raise Invalid(
            f"There is no person with id {min(creators - known)}.",
            field_errors={"created_by_id": ["Unknown."]},
        )
    for model, wanted, label in (
        (Group, {item.group_id for item in batch if item.group_id is not None}, "group"),
        (
            SidebarSection,
            {item.section_id for item in batch if item.section_id is not None},
            "sidebar section",
        ),
    ):
        found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
        if wanted - found:
            raise Invalid(f"There is no {label} with id {min(wanted - found)}.")
    rows = []
    slugs: set[str] = set()
    positions: dict[int | None, int] = {}
    for number, item in enumerate(batch, start=first):
        where = f"Space {number}"
        try:
            fields = clean_space(
                name=item.name, description=item.description, icon=item.icon, kind=item.kind,
                kind_settings=item.kind_settings, visibility=item.visibility, posting=item.posting,
            )  # fmt: skip
        except Invalid as exc:
            raise Invalid(f"{where}: {exc.message}", field_errors=exc.field_errors) from None
        _aware(item.created_at, where)
        slug = unique_slug(fields.name, also_taken=slugs)
        slugs.add(slug)
        if item.section_id not in positions:
            positions[item.section_id] = next_position(item.section_id)
        position = positions[item.section_id]
        positions[item.section_id] += 1
        rows.append(
            (
                fields.name, slug, fields.description, fields.icon, fields.kind, fields.kind_settings,
                fields.visibility, fields.posting, item.group_id, item.section_id, position, item.created_by_id,
                1 if item.created_by_id is not None else 0, item.created_at or now,
            )
        )  # fmt: skip
    with transaction.atomic():
        ids = insert_rows(Space, SPACE_COLUMNS, rows, returning=True)
        insert_rows(
            SpaceMembership,
            ("space_id", "user_id", "state", "role", "created_at"),
            [
                (pk, item.created_by_id, SpaceMembership.ACTIVE, SpaceMembership.MODERATOR, row[-1])
                for pk, item, row in zip(ids, batch, rows, strict=True)
                if item.created_by_id is not None
            ],
        )
        target_type = checked_target_type(Space)
        insert_rows(
            Activity,
            ROW_COLUMNS,
            [
                activity_row(
                    item.created_by_id, "space.created", target_type, pk, space_id=pk, data=None, at=row[-1]
                )
                for pk, item, row in zip(ids, batch, rows, strict=True)
            ],
        )
        emit(RowsWritten("spaces.space", tuple(ids)))
    return ids


# --- space members --------------------------------------------------------------------------------
def bulk_add_space_members(
    members: Iterable[NewSpaceMember], *, via: str = "import", batch_size: int = BATCH
) -> list[int]:
    """Put people in spaces, keeping each space's member_count (its active members) right.

    Only active members of the community, and no one already in the space or given twice (the
    actions' rules); archived spaces take no one. `via` says how active members came ("import",
    "seed", ...) in their "space.joined" rows. Returns the rows' ids. Errors: Invalid, before anything
    of that batch is written.
    """
    ids: list[int] = []
    for batch in _batches(members, batch_size):
        ids += _write_members(batch, via=via)
    return ids


def _write_members(batch: list[NewSpaceMember], *, via: str) -> list[int]:
    now = timezone.now()
    people = {item.user_id for item in batch}
    names = dict(User.objects.filter(pk__in=people).values_list("pk", "username"))
    active = set(
        Membership.objects.filter(user_id__in=people, state=Membership.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    spaces = {s.pk: s for s in Space.objects.filter(pk__in={item.space_id for item in batch})}
    already = set(
        SpaceMembership.objects.filter(space_id__in=spaces, user_id__in=people).values_list(
            "space_id", "user_id"
        )
    )
    messages = []
    for item in batch:
        name = names.get(item.user_id)
        space = spaces.get(item.space_id)
        if name is None:
            raise Invalid(
                f"There is no person with id {item.user_id}.", field_errors={"user_id": ["Unknown."]}
            )
        if space is None:
            raise Invalid(
                f"There is no space with id {item.space_id}.", field_errors={"space_id": ["Unknown."]}
            )
        where = f"@{name} in {space.name}"
        if item.state not in dict(SpaceMembership.STATES) or item.role not in dict(SpaceMembership.ROLES):
            message = f"{where}: unknown state {item.state!r} or role {item.role!r}."
            raise Invalid(message, field_errors={"state": [message]})
        if space.archived_at is not None:
            raise Invalid(f"{where}: this space is archived, so nobody can join it.")
        if item.user_id not in active:
            raise Invalid(f"@{name} is not an active member of the community.")
        if (item.space_id, item.user_id) in already:
            raise Invalid(f"@{name} is already in this space.")
        already.add((item.space_id, item.user_id))
        _aware(item.at, where)
        messages.append(
            _clean_text(
                item.request_message, field="message", label="Message", max_length=REQUEST_MESSAGE_MAX,
                required=False,
            )
        )  # fmt: skip
    joined = Counter(item.space_id for item in batch if item.state == SpaceMembership.ACTIVE)
    with transaction.atomic():
        ids = insert_rows(
            SpaceMembership,
            ("space_id", "user_id", "state", "role", "request_message", "created_at"),
            [
                (item.space_id, item.user_id, item.state, item.role, message, item.at or now)
                for item, message in zip(batch, messages, strict=True)
            ],
            returning=True,
        )
        for space_id, count in joined.items():
            Space.objects.filter(pk=space_id).update(member_count=F("member_count") + count)
        space_type = checked_target_type(Space)
        row_type = checked_target_type(SpaceMembership)
        logged = []
        for pk, item in zip(ids, batch, strict=True):
            at = item.at or now
            if item.state == SpaceMembership.ACTIVE:
                row = activity_row(item.user_id, "space.joined", space_type, item.space_id, space_id=item.space_id,
                                   data=Via(via), at=at)  # fmt: skip
            elif item.state == SpaceMembership.REQUESTED:
                row = activity_row(item.user_id, "space.join_requested", space_type, item.space_id,
                                   space_id=item.space_id, data=None, at=at)  # fmt: skip
            else:
                row = activity_row(item.by_id, "space.invited", row_type, pk, space_id=item.space_id,
                                   data=Person(item.user_id), at=at)  # fmt: skip
            logged.append(row)
        insert_rows(Activity, ROW_COLUMNS, logged)
        emit(RowsWritten("spaces.spacemembership", tuple(ids)))
    return ids
