"""The people and community bulk layers write the rows that `createadmin`, joining and the group
actions write: each is done once through the existing code and once in bulk, and compared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password

import factories as testing
from bulk_rows import activity_rows, captured_events, rolled_back, row
from townhall.accounts.bulk import NewPerson, bulk_create_people
from townhall.accounts.models import Interest, User
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.bulk import (
    NewGroup,
    NewGroupMember,
    NewMembership,
    bulk_add_group_members,
    bulk_add_members,
    bulk_create_groups,
)
from townhall.community.models import Community, Group, GroupMember, Membership
from townhall.core import effects
from townhall.core.effects import RowsWritten
from townhall.core.errors import Invalid
from townhall.policy import Guardian
from townhall.seed.admin import create_admin

pytestmark = pytest.mark.django_db

WHEN = datetime(2023, 9, 1, 18, 30, tzinfo=UTC)
GOOD = "a-long-unusual-passphrase"


@pytest.fixture(autouse=True)
def _fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def written_events() -> Iterator[list[effects.DomainEvent]]:
    with captured_events() as events:
        yield events


def _logged(**filters: Any) -> list:
    usernames = dict(User.objects.values_list("pk", "username"))
    groups = dict(Group.objects.values_list("pk", "name"))

    def target(a: Activity) -> Any:
        if a.target_type == "community.group":
            return groups.get(a.target_id)
        if a.target_type == "community.membership":
            return usernames[Membership.objects.get(pk=a.target_id).user_id]
        return a.target_type

    def data(payload: dict) -> dict:
        if "user_id" in payload:
            payload["user_id"] = usernames[payload["user_id"]]
        return payload

    rows = Activity.objects.filter(**filters)
    return [(usernames.get(actor), *rest) for actor, *rest in activity_rows(rows, target, data)]


def _person(username: str) -> dict[str, Any]:
    user = User.objects.get(username=username)
    membership = Membership.objects.get(user=user)
    return {
        "user": row(user, skip={"password", "date_joined", "last_login"}),
        "emails": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "membership": row(
            membership, skip={"user_id", "created_at", "updated_at", "joined_at", "coc_accepted_at"}
        ),
        "activity": _logged(actor=user),
    }


# --- people and memberships -------------------------------------------------------------------------
def test_people_and_memberships_match_createadmin(community: Community) -> None:
    with rolled_back():
        create_admin(email="ada@example.org", username="ada", password=GOOD)
        expected = _person("ada")

    [user_id] = bulk_create_people(
        [NewPerson("ada", "ada@example.org", password_hash=make_password(GOOD), joined_at=WHEN)]
    )
    [membership_id] = bulk_add_members(
        [NewMembership(user_id, role=Membership.OWNER, joined_at=WHEN, coc_accepted_at=WHEN)],
        via="createadmin",
    )
    assert _person("ada") == expected
    user = User.objects.get(pk=user_id)
    membership = Membership.objects.get(pk=membership_id)
    assert user.date_joined == WHEN and membership.joined_at == membership.coc_accepted_at == WHEN
    assert membership.created_at == WHEN and Activity.objects.get(actor=user).created_at == WHEN
    assert authenticate(username="ada", password=GOOD) == user


def test_memberships_match_joining_and_applying(community: Community, outsider: Any) -> None:
    with rolled_back():
        actions.join_community(Guardian(outsider), community)
        expected_member = _person("otto")
    bulk_add_members([NewMembership(outsider.pk, joined_at=WHEN)], via="join")
    assert _person("otto") == expected_member

    Membership.objects.all().delete()
    Activity.objects.all().delete()
    community.join_policy = Community.APPROVAL
    community.save()
    with rolled_back():
        actions.join_community(Guardian(outsider), community)
        expected_applicant = _person("otto")
    bulk_add_members([NewMembership(outsider.pk, state=Membership.PENDING, applied_at=WHEN)], via="join")
    assert _person("otto") == expected_applicant
    assert Membership.objects.get(user=outsider).joined_at is None
    assert Activity.objects.get(verb="community.applied").created_at == WHEN


def test_people_get_what_they_were_given() -> None:
    lenses = Interest.objects.create(name="Lenses", slug="lenses")
    ids = bulk_create_people(
        [
            NewPerson("scale_1", "One@Example.ORG", display_name="  Ada   Lovelace ", bio="Hi", location="Leeds",
                      time_zone="Europe/London", interest_ids=[lenses.pk, lenses.pk], verified=False),
            NewPerson("scale_2", "two@example.org"),
        ],
        batch_size=1,
    )  # fmt: skip
    one, two = (User.objects.get(pk=pk) for pk in ids)
    assert (one.email, one.display_name, one.bio, one.location, one.time_zone) == (
        "One@example.org", "Ada Lovelace", "Hi", "Leeds", "Europe/London",
    )  # fmt: skip
    assert list(one.interests.all()) == [lenses]
    assert not EmailAddress.objects.get(user=one).verified and EmailAddress.objects.get(user=two).verified
    assert not one.has_usable_password() and not two.has_usable_password()
    assert not Activity.objects.exists()


def test_onboarded_members_have_every_step_done(community: Community) -> None:
    [user_id] = bulk_create_people([NewPerson("newbie", "newbie@example.org")])
    bulk_add_members(
        [NewMembership(user_id, joined_at=WHEN, onboarded=True, introduced_at=WHEN + timedelta(days=1))]
    )
    membership = Membership.objects.get(user_id=user_id)
    assert membership.onboarded and membership.coc_accepted_at == WHEN
    assert membership.introduced_at == WHEN + timedelta(days=1)


# --- groups -----------------------------------------------------------------------------------------
def _group(name: str) -> dict[str, Any]:
    group = Group.objects.get(name=name)
    return {
        "group": row(group, skip={"created_at", "updated_at"}),
        "members": sorted(GroupMember.objects.filter(group=group).values_list("user__username", flat=True)),
        "activity": _logged(target_type="community.group", target_id=group.pk),
    }


def test_groups_and_group_members_match_the_actions(admin: Any, member: Any, moderator: Any) -> None:
    with rolled_back():
        group = actions.create_group(Guardian(admin), name="  Northern chapter ", description="Up north")
        actions.add_group_member(Guardian(admin), group, user=member)
        actions.add_group_member(Guardian(admin), group, user=moderator)
        expected = _group("Northern chapter")

    [group_id] = bulk_create_groups(
        [NewGroup("  Northern chapter ", "Up north", created_at=WHEN, created_by_id=admin.pk)]
    )
    bulk_add_group_members(
        [
            NewGroupMember(group_id, user.pk, added_at=WHEN, added_by_id=admin.pk)
            for user in (member, moderator)
        ]
    )
    assert _group("Northern chapter") == expected
    assert Group.objects.get(pk=group_id).created_at == WHEN
    assert {m.added_at for m in GroupMember.objects.all()} == {WHEN}
    assert {a.created_at for a in Activity.objects.all()} == {WHEN}


# --- events -------------------------------------------------------------------------------------------
def test_rows_written_and_nothing_else(
    community: Community, written_events: list, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        people = bulk_create_people(
            [NewPerson(f"p_{n}", f"p{n}@example.org") for n in range(3)], batch_size=2
        )
        members = bulk_add_members([NewMembership(pk) for pk in people])
        [group] = bulk_create_groups([NewGroup("Cohort A")])
        in_group = bulk_add_group_members([NewGroupMember(group, pk) for pk in people])
    assert written_events == [
        RowsWritten("accounts.user", tuple(people[:2])),
        RowsWritten("accounts.user", tuple(people[2:])),
        RowsWritten("community.membership", tuple(members)),
        RowsWritten("community.group", (group,)),
        RowsWritten("community.groupmember", tuple(in_group)),
    ]
    assert broadcasts == []


# --- refusals -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("person", "message"),
    [
        (NewPerson("ok_name", "not-an-email"), "Person 2: 'not-an-email' is not a valid email address."),
        (NewPerson("a!", "a@example.org"), "Person 2: Use 3 to 30 letters"),
        (NewPerson("MAX", "new@example.org"), "Person 2: the username @MAX is already taken."),
        (
            NewPerson("fresh", "MAX@example.org"),
            "Person 2: an account with the email MAX@example.org already",
        ),
        (NewPerson("first", "new@example.org"), "Person 2: the username @first is already taken."),
        (NewPerson("fresh", "FIRST@example.org"), "Person 2: an account with the email FIRST@example.org"),
        (
            NewPerson("fresh", "f@example.org", display_name="x" * 81),
            "Person 2: Display name can be at most 80",
        ),
        (
            NewPerson("fresh", "f@example.org", time_zone="Mars/Olympus"),
            "Person 2: 'Mars/Olympus' is not a time",
        ),
        (NewPerson("fresh", "f@example.org", password_hash="plain"), "Person 2: That is not a password hash"),
        (
            NewPerson("fresh", "f@example.org", joined_at=datetime(2020, 1, 1)),
            "Person 2: Give times with a time zone",
        ),
        (NewPerson("fresh", "f@example.org", interest_ids=[999]), "There is no interest with id 999."),
    ],
)
def test_bad_people_are_refused(member: Any, person: NewPerson, message: str) -> None:
    before = User.objects.count()
    with pytest.raises(Invalid, match=re.escape(message)):
        bulk_create_people([NewPerson("first", "first@example.org"), person])
    assert User.objects.count() == before


def test_bad_memberships_are_refused(member: Any, outsider: Any) -> None:
    cases = [
        (NewMembership(outsider.pk, role="king"), "Membership 1: choose member, moderator, admin or owner."),
        (NewMembership(outsider.pk, state="asleep"), "Membership 1: 'asleep' is not a membership state."),
        (
            NewMembership(outsider.pk, state=Membership.PENDING, joined_at=WHEN),
            "Membership 1: an applicant has not",
        ),
        (
            NewMembership(outsider.pk, joined_at=datetime(2020, 1, 1)),
            "Membership 1: give times with a time zone.",
        ),
        (NewMembership(999_999), "There is no person with id 999999."),
        (NewMembership(member.pk), "@max already has a membership."),
    ]
    for item, message in cases:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_add_members([item])
    with pytest.raises(Invalid, match=r"Membership 2: that person is given twice\."):
        bulk_add_members([NewMembership(outsider.pk), NewMembership(outsider.pk)])
    assert not Membership.objects.filter(user=outsider).exists()


def test_bad_groups_and_group_members_are_refused(admin: Any, member: Any, outsider: Any) -> None:
    taken = actions.create_group(Guardian(admin), name="Mentors")
    for groups, message in [
        ([NewGroup("  ")], "Group 1: Give the group a name."),
        ([NewGroup("x" * 81)], "Group 1: At most 80 characters."),
        ([NewGroup("!!!")], "Group 1: Use at least one letter or digit in the name."),
        ([NewGroup("MENTORS")], "A group with that name already exists."),
        ([NewGroup("Twins"), NewGroup("twins")], "A group with that name already exists."),
        ([NewGroup("Fine", created_by_id=999_999)], "There is no person with id 999999."),
    ]:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_create_groups(groups)
    actions.add_group_member(Guardian(admin), taken, user=member)
    for members, message in [
        ([NewGroupMember(taken.pk, outsider.pk)], "@otto is not a member of the community."),
        ([NewGroupMember(taken.pk, member.pk)], "@max is already in this group."),
        (
            [NewGroupMember(taken.pk, admin.pk), NewGroupMember(taken.pk, admin.pk)],
            "@adam is already in this group.",
        ),
        ([NewGroupMember(999_999, admin.pk)], "There is no group with id 999999."),
        ([NewGroupMember(taken.pk, 999_999)], "There is no person with id 999999."),
    ]:
        with pytest.raises(Invalid, match=re.escape(message)):
            bulk_add_group_members(members)
    assert Group.objects.count() == 1 and GroupMember.objects.count() == 1


def test_a_seeded_person_can_be_made_a_member_by_the_factories_too() -> None:
    """The factories and the bulk layer agree on what a person is (the factories are used everywhere)."""
    [user_id] = bulk_create_people([NewPerson("bulk_made", "bulk_made@example.org")])
    made = testing.make_user("factory_made")
    skip = {"id", "username", "email", "password", "date_joined", "last_login"}
    assert row(User.objects.get(pk=user_id), skip=skip) == row(made, skip=skip)
