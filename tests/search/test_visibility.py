"""Nobody finds what they may not read, through any door."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import found, fresh, reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces(member: Any) -> dict[str, Space]:
    return {
        visibility: testing.make_space(f"{visibility} room", visibility=visibility, members=[member])
        for visibility in (Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET)
    }


def test_each_persona_finds_exactly_the_spaces_it_may_read(
    member: Any, moderator: Any, admin: Any, outsider: Any, spaces: dict[str, Space]
) -> None:
    for visibility, space in spaces.items():
        start_topic(
            member, space, title=f"Comet in {visibility}", body=f"comet seen from the {visibility} room"
        )
    lea = testing.make_member("lea")
    expected = {
        None: {Space.PUBLIC},
        outsider: {Space.PUBLIC},
        lea: {Space.PUBLIC, Space.MEMBERS},
        member: {Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET},
        admin: {Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET},
    }
    for who, visible in expected.items():
        assert {body.split()[-2] for body in found(who, "comet")} == visible, who
        for visibility, space in spaces.items():
            if visibility not in visible:
                assert found(who, "comet", space_id=space.pk) == [], (who, visibility)


def test_private_content_never_reaches_the_page_or_the_api(
    client_for: Any, member: Any, outsider: Any, spaces: dict[str, Space]
) -> None:
    start_topic(member, spaces[Space.PRIVATE], title="Secret comet", body="Only the inner circle knows")
    start_topic(member, spaces[Space.PUBLIC], title="Public comet", body="Everyone can read this")
    for who in (None, outsider):
        page = client_for(who).get(reverse("search:search"), {"q": "comet"})
        assert page.status_code == 200
        assert (
            b"Public" in page.content
            and b"Secret" not in page.content
            and b"inner circle" not in page.content
        )
        hits = client_for(who).get("/api/v1/search", {"q": "comet"}).json()["hits"]
        assert [h["topic_title"] for h in hits] == ["Public comet"]
        hits = client_for(who).get("/api/v1/search", {"q": "comet", "space": spaces[Space.PRIVATE].slug})
        assert hits.json()["hits"] == []


def test_leaving_a_space_stops_finding_it(member: Any, moderator: Any, spaces: dict[str, Space]) -> None:
    lea = testing.make_member("lea")
    SpaceMembership.objects.create(space=spaces[Space.PRIVATE], user=lea)
    start_topic(member, spaces[Space.PRIVATE], title="Inner plans", body="eclipse trip plans")
    assert found(lea, "eclipse") == ["eclipse trip plans"]
    SpaceMembership.objects.filter(space=spaces[Space.PRIVATE], user=lea).delete()
    assert found(lea, "eclipse") == []  # the scope is the Guardian's, in SQL, at query time


def test_a_hidden_topic_through_the_api(
    client_for: Any, member: Any, moderator: Any, spaces: dict[str, Space]
) -> None:
    topic = start_topic(member, spaces[Space.PUBLIC], title="Aurora", body="aurora tonight")
    reply(member, topic, "aurora again")
    actions.hide_topic(Guardian(moderator), fresh(topic))
    hits = client_for(member).get("/api/v1/search?q=aurora").json()["hits"]
    assert [h["snippet_html"].strip() for h in hits] == ["<mark>aurora</mark> again"]
    for who in (moderator, None):
        assert client_for(who).get("/api/v1/search?q=aurora").json()["hits"] == []
