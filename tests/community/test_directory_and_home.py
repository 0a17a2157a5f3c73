"""The member directory (page and API), "members like you", profiles, and the home page."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.accounts.models import Interest
from townhall.community.models import Membership


def interests(*names: str) -> list[Interest]:
    return [
        Interest.objects.get_or_create(slug=n.lower().replace(" ", "-"), defaults={"name": n})[0]
        for n in names
    ]


def crowd(n: int, group: Any = None) -> None:
    deep, comets = interests("Deep sky", "Comets")
    for i in range(n):
        user = testing.make_member(f"crowd{i:03d}", display_name=f"Crowd {i}", location="Berlin")
        user.interests.set([deep, comets] if i % 2 else [deep])
        if group is not None:
            group.members.add(user)
        Membership.objects.filter(user=user).update(introduction=f"Hello from {i}")


# --- search and filters -------------------------------------------------------------------------
@pytest.fixture
def people(member: Any, moderator: Any, community: Any) -> dict[str, Any]:
    deep, comets, planets = interests("Deep sky", "Comets", "Planets")
    lisa = testing.make_member("lisa", display_name="Lisa Lens", location="Lisbon")
    lisa.interests.set([deep, comets])
    ana = testing.make_member("ana", display_name="Ana Aperture", location="Berlin")
    ana.interests.set([planets])
    member.interests.set([deep, comets])
    testing.make_group("Berlin chapter", [ana])
    testing.make_member("hidden", state=Membership.BANNED)
    testing.make_member("applicant", state=Membership.PENDING)
    return {"lisa": lisa, "ana": ana}


def usernames(response: Any) -> set[str]:
    return {item["username"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=lens", {"lisa"}),
        ("q=@ANA", {"ana"}),
        ("interest=comets", {"lisa", "max"}),
        ("location=lisb", {"lisa"}),
        ("role=moderator", {"mona"}),
        ("group=berlin-chapter", {"ana"}),
        ("", {"lisa", "ana", "max", "mona"}),
    ],
)
def test_directory_filters_api(
    client_for: Any, member: Any, people: Any, query: str, expected: set[str]
) -> None:
    response = client_for(member).get(f"/api/v1/members?{query}")
    assert response.status_code == 200
    assert usernames(response) == expected


def test_directory_page_filters_and_like_you(client_for: Any, member: Any, people: Any) -> None:
    response = client_for(member).get("/members/")
    content = response.content.decode()
    assert "Members like you" in content
    assert "2 shared interests" in content  # Lisa
    like_you = content.split("Members like you")[1].split("All members")[0]
    assert "Lisa Lens" in like_you
    assert "Max Member" not in like_you  # not yourself
    assert "@hidden" not in content and "@applicant" not in content
    filtered = client_for(member).get("/members/?interest=planets")
    assert b"Ana Aperture" in filtered.content
    assert b"Lisa Lens" not in filtered.content


def test_directory_htmx_returns_the_results_partial(client_for: Any, member: Any, people: Any) -> None:
    response = client_for(member).get("/members/?q=lisa", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="directory-results"' in response.content
    assert b"<html" not in response.content


def test_directory_pagination(client_for: Any, member: Any, community: Any) -> None:
    crowd(35)
    c = client_for(member)
    first = c.get("/api/v1/members?limit=20").json()
    assert len(first["items"]) == 20
    second = c.get(f"/api/v1/members?limit=20&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None
    names = [i["username"] for i in first["items"] + second["items"]]
    assert len(names) == len(set(names)) == 36
    assert names == sorted(names)
    page = c.get("/members/")
    assert b"Next page" in page.content
    assert c.get("/api/v1/members?cursor=garbage").status_code == 400
    assert c.get("/members/?cursor=garbage").status_code == 200


def test_directory_is_for_members_only(client_for: Any, client: Any, outsider: Any, pending: Any) -> None:
    assert client.get("/api/v1/members").status_code == 404
    assert client_for(outsider).get("/members/").status_code == 404
    assert client_for(pending).get("/api/v1/members").status_code == 404


@pytest.mark.parametrize("size", [5, 50])
def test_directory_query_count_is_fixed(
    client_for: Any, member: Any, size: int, django_assert_num_queries: Any
) -> None:
    group = testing.make_group("Berlin chapter")
    crowd(size, group)
    member.interests.set(interests("Deep sky"))
    testing.make_space("Deep sky", members=[member])
    c = client_for(member)
    with django_assert_num_queries(DIRECTORY_QUERIES):
        response = c.get("/members/")
    assert response.status_code == 200
    assert b"Members like you" in response.content


# User, membership, group ids, space roles, page rows, interests, groups, like-you, interest options,
# group options, community row, sidebar spaces, who hides their presence, whose presence blocks hide (the
# session and presence come from the cache).
DIRECTORY_QUERIES = 14
# Home without topics (tests/discussions/test_home_and_profile.py pins it with content): user,
# membership, space roles, continue reading, feed topics, new members, pending count, community,
# sidebar spaces, sidebar unread counts.
HOME_QUERIES = 11  # with the events section ("Upcoming events": one query for the dates)


@pytest.mark.parametrize("size", [5, 50])
def test_home_query_count_is_fixed(
    client_for: Any, moderator: Any, size: int, django_assert_num_queries: Any
) -> None:
    crowd(size)
    for i in range(3):
        testing.make_space(f"Space {i}", members=[moderator])
    testing.make_member("applicant", state=Membership.PENDING)
    c = client_for(moderator)
    with django_assert_num_queries(HOME_QUERIES):
        response = c.get("/home/")
    assert response.status_code == 200
    assert b"1 application waiting for review" in response.content
    assert b"Hello from" in response.content
    assert b"Say hello to new members" in response.content


# --- profiles -----------------------------------------------------------------------------------
def test_profile_api(client_for: Any, member: Any, people: Any) -> None:
    Membership.objects.filter(user=people["lisa"]).update(introduction="I *love* comets")
    response = client_for(member).get("/api/v1/members/LISA")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "lisa"
    assert body["introduction_html"] == "<p>I <em>love</em> comets</p>\n"
    assert [i["slug"] for i in body["interests"]] == ["comets", "deep-sky"]


def test_profile_api_hides_what_is_unseen(client_for: Any, member: Any, client: Any, people: Any) -> None:
    assert client_for(member).get("/api/v1/members/hidden").status_code == 404
    assert client_for(member).get("/api/v1/members/nobody").status_code == 404
    assert client.get("/api/v1/members/lisa").status_code == 404


def test_introduction_shows_on_the_profile_page(client_for: Any, member: Any, people: Any) -> None:
    Membership.objects.filter(user=people["lisa"]).update(introduction="I *love* comets")
    response = client_for(member).get("/u/lisa/")
    assert response.status_code == 200
    assert b"<em>love</em> comets" in response.content


def test_the_directory_shows_who_is_online_unless_they_hide_it(
    client_for: Any, member: Any, moderator: Any, newcomer: Any
) -> None:
    from django.core.cache import cache

    from townhall.realtime import presence

    cache.clear()
    presence.touch(moderator.pk, "tab-1")
    presence.touch(newcomer.pk, "tab-2")
    type(newcomer).objects.filter(pk=newcomer.pk).update(hide_presence=True)
    html = client_for(member).get("/members/").content.decode()
    assert f'data-presence-user="{moderator.pk}" data-state="online"' in html
    assert f'data-presence-user="{newcomer.pk}" data-state="offline"' in html
    assert f'data-presence-user="{member.pk}" data-state="offline"' in html
