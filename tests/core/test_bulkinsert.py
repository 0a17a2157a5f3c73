"""core.bulkinsert.insert_rows: the fast INSERT the bulk layers use instead of bulk_create."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.core.bulkinsert import insert_rows
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db

WHEN = datetime(2024, 5, 17, 21, 30, 5, 123456, tzinfo=UTC)


def test_rows_get_ids_in_order_and_defaults_for_columns_left_out() -> None:
    ids = insert_rows(
        Space,
        ("name", "slug", "created_at"),
        [(f"Room {n}", f"room-{n}", WHEN) for n in range(2500)],
        returning=True,
    )
    assert len(ids) == 2500
    rooms = Space.objects.in_bulk(ids)
    assert [rooms[pk].slug for pk in ids] == [f"room-{n}" for n in range(2500)]
    room = rooms[ids[7]]
    assert room.created_at == WHEN and room.updated_at > WHEN  # auto_now: now
    assert (room.visibility, room.icon, room.member_count, room.kind_settings) == (Space.MEMBERS, "💬", 0, {})


def test_values_go_through_their_fields_conversions() -> None:
    insert_rows(
        Activity,
        ("verb", "data", "created_at", "space_id"),
        [("space.updated", {"fields": ["name", "ünïcode"]}, WHEN, None)],
    )
    row = Activity.objects.get()
    assert row.data == {"fields": ["name", "ünïcode"]} and row.created_at == WHEN and row.space_id is None


def test_conflicts_are_skipped_or_update_the_row(member: Any) -> None:
    space = testing.make_space("Hall", members=[member])
    other = testing.make_space("Porch")
    columns = ("space_id", "user_id", "role")
    insert_rows(
        SpaceMembership,
        columns,
        [(space.pk, member.pk, SpaceMembership.MODERATOR), (other.pk, member.pk, SpaceMembership.MEMBER)],
        ignore_conflicts=True,
    )
    assert SpaceMembership.objects.get(space=space).role == SpaceMembership.MEMBER
    assert SpaceMembership.objects.filter(space=other).exists()
    insert_rows(
        SpaceMembership,
        columns,
        [(space.pk, member.pk, SpaceMembership.MODERATOR)],
        update_conflicts=("role",),
        unique=("space_id", "user_id"),
    )
    assert SpaceMembership.objects.get(space=space).role == SpaceMembership.MODERATOR
    with pytest.raises(ValueError, match="RETURNING"):
        insert_rows(SidebarSection, ("name",), [("x",)], returning=True, ignore_conflicts=True)


def test_nothing_to_insert_runs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert insert_rows(SidebarSection, ("name",), [], returning=True) == []


def test_times_in_any_zone_and_missing_times_are_stored_as_given() -> None:
    from zoneinfo import ZoneInfo

    berlin = datetime(2024, 3, 31, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # just after the change
    ids = insert_rows(
        Space,
        ("name", "slug", "created_at", "updated_at"),
        [("A", "a", berlin, WHEN), ("B", "b", WHEN, WHEN)],
        returning=True,
    )
    a, b = (Space.objects.get(pk=pk) for pk in ids)
    assert a.created_at == berlin and a.created_at.utcoffset() is not None and b.created_at == WHEN


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 values for 3 columns"):
        insert_rows(Space, ("name", "slug", "created_at"), [("A", "a")])
    assert not Space.objects.exists()
