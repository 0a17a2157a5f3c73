"""The spaces bulk layer writes the rows that create_space, join_space, request_to_join and
invite_to_space write: each is done once through the action and once in bulk, and compared."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

import factories as testing
from bulk_rows import activity_rows, captured_events, rolled_back, row
from townhall.accounts.models import User
from townhall.activity.models import Activity
from townhall.core.effects import RowsWritten
from townhall.core.errors import Invalid
from townhall.policy import Guardian
from townhall.spaces import actions
from townhall.spaces.bulk import NewSpace, NewSpaceMember, bulk_add_space_members, bulk_create_spaces
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db

WHEN = datetime(2024, 2, 29, 7, 0, tzinfo=UTC)


def _space(slug: str) -> dict[str, Any]:
    """A space, its members and its Activity, with ids turned into names."""
    space = Space.objects.get(slug=slug)
    usernames = dict(User.objects.values_list("pk", "username"))

    def target(a: Activity) -> Any:
        if a.target_type == "spaces.spacemembership":
            return usernames[SpaceMembership.objects.get(pk=a.target_id).user_id]
        return (a.target_type, a.target_id == space.pk)

    def data(payload: dict) -> dict:
        if "user_id" in payload:
            payload["user_id"] = usernames[payload["user_id"]]
        return payload

    logged = Activity.objects.filter(space_id=space.pk)
    return {
        "space": row(space, skip={"created_at", "updated_at"}),
        "members": sorted(
            (usernames[m.user_id], m.state, m.role, m.request_message)
            for m in SpaceMembership.objects.filter(space=space)
        ),
        "activity": [
            (usernames.get(actor), *rest)
            for actor, *rest in activity_rows(logged, target, data, lambda space_id: space_id == space.pk)
        ],
    }


def test_spaces_match_create_space(admin: Any) -> None:
    section = SidebarSection.objects.create(name="Projects")
    testing.make_space("Deep sky", section=section, position=0)  # the new ones take the next slug and place
    fields = {
        "name": "  Deep sky ", "description": "Nebulae and galaxies", "icon": "🌌", "visibility": Space.PRIVATE,
        "posting": Space.MODERATORS,
    }  # fmt: skip
    with rolled_back():
        actions.create_space(Guardian(admin), section=section, **fields)
        actions.create_space(Guardian(admin), name="No section")
        expected = [_space("deep-sky-2"), _space("no-section")]

    bulk_create_spaces(
        [
            NewSpace(**fields, section_id=section.pk, created_by_id=admin.pk, created_at=WHEN),
            NewSpace("No section", created_by_id=admin.pk, created_at=WHEN),
        ]
    )
    assert [_space("deep-sky-2"), _space("no-section")] == expected
    assert expected[0]["space"]["position"] == 1 and expected[0]["space"]["member_count"] == 1
    assert {s.created_at for s in Space.objects.filter(created_by=admin)} == {WHEN}
    assert {m.created_at for m in SpaceMembership.objects.all()} == {WHEN}


def test_many_spaces_get_their_own_slugs_and_places(admin: Any) -> None:
    ids = bulk_create_spaces([NewSpace("Lobby"), NewSpace("Lobby"), NewSpace("lobby!")], batch_size=2)
    spaces = [Space.objects.get(pk=pk) for pk in ids]
    assert [s.slug for s in spaces] == ["lobby", "lobby-2", "lobby-3"]
    assert [s.position for s in spaces] == [0, 1, 2]
    assert [s.member_count for s in spaces] == [0, 0, 0] and not SpaceMembership.objects.exists()


def test_space_members_match_joining_asking_and_inviting(admin: Any, member: Any) -> None:
    open_space = testing.make_space("Open field", visibility=Space.MEMBERS)
    private = testing.make_space("Back room", visibility=Space.PRIVATE, moderators=[admin])
    invitee = testing.make_member("ivy")
    with rolled_back():
        actions.join_space(Guardian(member), open_space)
        actions.request_to_join(Guardian(member), private, message="  May I? ")
        actions.invite_to_space(Guardian(admin), private, user=invitee)
        expected = [_space("open-field"), _space("back-room")]

    bulk_add_space_members(
        [
            NewSpaceMember(open_space.pk, member.pk, at=WHEN),
            NewSpaceMember(
                private.pk, member.pk, state=SpaceMembership.REQUESTED, request_message="  May I? ", at=WHEN
            ),
            NewSpaceMember(private.pk, invitee.pk, state=SpaceMembership.INVITED, by_id=admin.pk, at=WHEN),
        ],
        via="join",
    )
    assert [_space("open-field"), _space("back-room")] == expected
    assert expected[0]["space"]["member_count"] == 1 and expected[1]["space"]["member_count"] == 1
    assert {a.created_at for a in Activity.objects.all()} == {WHEN}


def test_member_count_follows_active_rows_across_batches(admin: Any) -> None:
    space = testing.make_space("Hall", members=[admin])
    people = [testing.make_member(f"m{n}") for n in range(5)]
    bulk_add_space_members(
        [NewSpaceMember(space.pk, p.pk, role=SpaceMembership.MODERATOR if n == 0 else SpaceMembership.MEMBER)
         for n, p in enumerate(people[:4])] + [NewSpaceMember(space.pk, people[4].pk, state=SpaceMembership.INVITED)],
        batch_size=2,
    )  # fmt: skip
    space.refresh_from_db()
    assert space.member_count == 5 == SpaceMembership.objects.filter(space=space, state="active").count()


def test_rows_written_and_nothing_else(
    admin: Any, member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    with captured_events() as events, django_capture_on_commit_callbacks(execute=True):
        [space] = bulk_create_spaces([NewSpace("Quiet", created_by_id=admin.pk)])
        [row_id] = bulk_add_space_members([NewSpaceMember(space, member.pk)])
    assert events == [RowsWritten("spaces.space", (space,)), RowsWritten("spaces.spacemembership", (row_id,))]
    assert broadcasts == []


def test_bad_spaces_are_refused(admin: Any) -> None:
    for spaces, message in [
        ([NewSpace(" ")], "Space 1: Name is required."),
        ([NewSpace("x" * 81)], "Space 1: Name can be at most 80 characters."),
        ([NewSpace("Ok", kind="chat-room")], "Space 1: Kind must be one of"),
        ([NewSpace("Ok", visibility="everyone")], "Space 1: Visibility must be one of"),
        (
            [NewSpace("Ok", kind_settings={"colour": "red"})],
            "Space 1: Discussions spaces have no setting called",
        ),
        ([NewSpace("Ok", created_at=datetime(2020, 1, 1))], "Space 1: give times with a time zone."),
        ([NewSpace("Ok", created_by_id=999_999)], "There is no person with id 999999."),
        ([NewSpace("Ok", section_id=999_999)], "There is no sidebar section with id 999999."),
        ([NewSpace("Ok", group_id=999_999)], "There is no group with id 999999."),
    ]:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_create_spaces(spaces)
    assert not Space.objects.exists()


def test_bad_space_members_are_refused(member: Any, outsider: Any, suspended: Any) -> None:
    space = testing.make_space("Hall", members=[member])
    archived = testing.make_space("Old", archived_at=WHEN)
    for members, message in [
        ([NewSpaceMember(space.pk, member.pk)], "@max is already in this space."),
        ([NewSpaceMember(space.pk, outsider.pk)], "@otto is not an active member of the community."),
        ([NewSpaceMember(space.pk, suspended.pk)], "is not an active member of the community."),
        ([NewSpaceMember(archived.pk, member.pk)], "@max in Old: this space is archived"),
        ([NewSpaceMember(space.pk, 999_999)], "There is no person with id 999999."),
        ([NewSpaceMember(999_999, member.pk)], "There is no space with id 999999."),
        ([NewSpaceMember(archived.pk, member.pk, state="lurking")], "unknown state 'lurking'"),
        ([NewSpaceMember(archived.pk, member.pk, request_message="x" * 501)], "this space is archived"),
    ]:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_add_space_members(members)
    other = testing.make_space("Porch")
    for members, message in [
        ([NewSpaceMember(other.pk, member.pk)] * 2, "@max is already in this space."),
        ([NewSpaceMember(other.pk, member.pk, request_message="x" * 501)], "Message can be at most 500"),
        (
            [NewSpaceMember(other.pk, member.pk, at=datetime(2020, 1, 1))],
            "@max in Porch: give times with a time",
        ),
    ]:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_add_space_members(members)
    assert SpaceMembership.objects.count() == 1
    assert Space.objects.get(pk=other.pk).member_count == 0
