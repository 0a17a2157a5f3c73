"""Space reads: suggestions, members, requests, the sidebar, and pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import factories as testing
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.spaces import queries
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- suggested_spaces ---------------------------------------------------------------------------------
def test_suggestions_are_joinable_spaces_busiest_first(member: Any) -> None:
    group = testing.make_group("Mentors")
    quiet = testing.make_space("Quiet")
    busy = testing.make_space("Busy", member_count=40)
    Space.objects.filter(pk=busy.pk).update(member_count=40)
    private = testing.make_space("Inner", visibility=Space.PRIVATE)
    Space.objects.filter(pk=private.pk).update(member_count=10)
    testing.make_space("Joined", members=[member])
    testing.make_space("Hidden", visibility=Space.SECRET)
    testing.make_space("Mentors only", group=group)
    testing.make_space("Old", archived_at=timezone.now())
    requested = testing.make_space("Asked", visibility=Space.PRIVATE)
    SpaceMembership.objects.create(space=requested, user=member, state=SpaceMembership.REQUESTED)
    names = [s.name for s in queries.suggested_spaces(Guardian(member), limit=6)]
    assert names == ["Busy", "Inner", "Quiet"]
    assert [s.name for s in queries.suggested_spaces(Guardian(member), limit=1)] == ["Busy"]
    assert quiet.pk


@pytest.mark.parametrize("persona", ["pending", "suspended", "outsider"])
def test_no_suggestions_for_people_who_cannot_join(request: pytest.FixtureRequest, persona: str) -> None:
    testing.make_space("Open", visibility=Space.PUBLIC)
    assert queries.suggested_spaces(Guardian(request.getfixturevalue(persona))) == []


def test_no_suggestions_for_visitors(community: Any) -> None:
    testing.make_space("Open", visibility=Space.PUBLIC)
    assert queries.suggested_spaces(Guardian(None)) == []


def test_suggestions_cost_one_query(member: Any) -> None:
    for i in range(20):
        testing.make_space(f"S{i}")
    g = Guardian(member)
    assert (g.space_roles, g.group_ids, g.membership) is not None  # warm the Guardian's caches
    with CaptureQueriesContext(connection) as ctx:
        assert len(queries.suggested_spaces(g, limit=6)) == 6
    assert len(ctx) == 1


# --- members and requests ---------------------------------------------------------------------------------
def test_space_members_moderators_first(member: Any, newcomer: Any) -> None:
    smod = testing.make_member("zed", display_name="Zed")
    space = testing.make_space("Planets", members=[member, newcomer], moderators=[smod])
    SpaceMembership.objects.create(space=space, user=testing.make_member("asker"), state="requested")
    rows = list(queries.space_members(Guardian(member), space))
    assert [r.user.username for r in rows] == ["zed", "max", "nina"]


def test_space_members_refusals(outsider: Any, member: Any) -> None:
    private = testing.make_space("Inner", visibility=Space.PRIVATE)
    secret = testing.make_space("Hidden", visibility=Space.SECRET)
    with pytest.raises(PermissionDenied):
        queries.space_members(Guardian(member), private)
    with pytest.raises(NotFound):
        queries.space_members(Guardian(member), secret)
    with pytest.raises(PermissionDenied):
        queries.space_members(Guardian(outsider), testing.make_space("Open", visibility=Space.PUBLIC))


def test_pending_requests_oldest_first(moderator: Any, member: Any, newcomer: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE)
    SpaceMembership.objects.create(space=space, user=newcomer, state="requested")
    SpaceMembership.objects.create(space=space, user=member, state="requested")
    SpaceMembership.objects.create(space=space, user=testing.make_member("inv"), state="invited")
    assert [r.user.username for r in queries.pending_requests(Guardian(moderator), space)] == ["nina", "max"]
    assert [r.user.username for r in queries.open_invitations(Guardian(moderator), space)] == ["inv"]
    with pytest.raises(PermissionDenied):
        queries.pending_requests(Guardian(member), space)


def test_find_person(member: Any) -> None:
    assert queries.find_person("@MAX") == member
    assert queries.find_person("  max ") == member
    assert queries.find_person("@") is None
    assert queries.find_person("ghost") is None


# --- sidebar -------------------------------------------------------------------------------------------
def test_sidebar_shows_joined_spaces_in_section_order(member: Any) -> None:
    late = SidebarSection.objects.create(name="Late", position=2)
    early = SidebarSection.objects.create(name="Early", position=1)
    testing.make_space("B", section=late, members=[member])
    testing.make_space("A", section=early, members=[member])
    testing.make_space("Loose", members=[member])
    testing.make_space("Not joined", section=early)
    groups = queries.sidebar_for(Guardian(member))
    assert [(g.section.name if g.section else None, [s.name for s in g.spaces]) for g in groups] == [
        ("Early", ["A"]),
        ("Late", ["B"]),
        (None, ["Loose"]),
    ]


def test_sidebar_for_visitors_shows_public_spaces(community: Any) -> None:
    testing.make_space("Open", visibility=Space.PUBLIC)
    testing.make_space("Members")
    assert [s.name for g in queries.sidebar_for(Guardian(None)) for s in g.spaces] == ["Open"]


def test_sidebar_leaves_out_archived_spaces(member: Any) -> None:
    testing.make_space("Old", members=[member], archived_at=timezone.now())
    assert queries.sidebar_for(Guardian(member)) == []


# --- pinned query counts ----------------------------------------------------------------------------------
def _queries_for(c: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url)
    assert response.status_code == 200
    return len(ctx)


def _fill(n: int, member: Any, section: SidebarSection) -> None:
    for i in range(n):
        members = [member] if i % 2 == 0 else []
        testing.make_space(f"Space {n}-{i}", section=section if i % 3 == 0 else None, members=members)


SPACES_LIST_QUERIES = 9  # user, membership, roles, groups, spaces, community, sidebar, unread x2
SPACE_DETAIL_QUERIES = 10  # the list page's queries, plus the topic list (2)
SPACE_MEMBERS_QUERIES = 10  # + members, requests, invitations (admin: no group lookup)


def test_spaces_list_query_count_is_fixed(client_for: Any, member: Any) -> None:
    section = SidebarSection.objects.create(name="Observing")
    c = client_for(member)
    _fill(3, member, section)
    small = _queries_for(c, "/spaces/")
    _fill(30, member, section)
    large = _queries_for(c, "/spaces/")
    assert small == large == SPACES_LIST_QUERIES


def test_space_detail_query_count_is_fixed(client_for: Any, member: Any) -> None:
    section = SidebarSection.objects.create(name="Observing")
    space = testing.make_space("Planets", section=section, members=[member])
    c = client_for(member)
    _fill(3, member, section)
    small = _queries_for(c, f"/s/{space.slug}/")
    _fill(30, member, section)
    for i in range(30):
        SpaceMembership.objects.create(space=space, user=testing.make_member(f"m{i}"))
    large = _queries_for(c, f"/s/{space.slug}/")
    assert small == large == SPACE_DETAIL_QUERIES


def test_space_members_page_query_count_is_fixed(client_for: Any, admin: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE, moderators=[admin])
    c = client_for(admin)

    def add(n: int, prefix: str) -> None:
        for i in range(n):
            SpaceMembership.objects.create(space=space, user=testing.make_member(f"{prefix}a{i}"))
            SpaceMembership.objects.create(
                space=space, user=testing.make_member(f"{prefix}r{i}"), state="requested"
            )
            SpaceMembership.objects.create(
                space=space, user=testing.make_member(f"{prefix}i{i}"), state="invited"
            )

    add(3, "s")
    small = _queries_for(c, f"/s/{space.slug}/members/")
    add(27, "l")
    large = _queries_for(c, f"/s/{space.slug}/members/")
    assert small == large == SPACE_MEMBERS_QUERIES


def test_anonymous_public_space_query_count_is_fixed(client: Any, community: Any) -> None:
    space = testing.make_space("Open", visibility=Space.PUBLIC)
    small = _queries_for(client, f"/s/{space.slug}/")
    for i in range(30):
        testing.make_space(f"Public {i}", visibility=Space.PUBLIC)
    large = _queries_for(client, f"/s/{space.slug}/")
    assert small == large
