"""Latest, Unread, Top and per-space lists: visibility, muting, tags, cursors, fixed query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import factories as testing
from townhall.discussions import actions, queries
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def titles(topic_list: queries.TopicList) -> list[str]:
    return [t.title for t in topic_list.topics]


def test_latest_orders_by_activity_and_hides_what_you_cannot_read(
    member: Any, lea: Any, space: Space, private_space: Space, public_space: Space
) -> None:
    old = start_topic(member, space, title="Old")
    start_topic(member, space, title="Newer")
    start_topic(member, private_space, title="Private")
    start_topic(member, public_space, title="Public")
    reply(member, old, "bump")
    assert titles(queries.list_topics(Guardian(lea))) == ["Old", "Public", "Newer"]
    assert titles(queries.list_topics(Guardian(None))) == ["Public"]
    assert set(titles(queries.list_topics(Guardian(member)))) == {"Old", "Newer", "Private", "Public"}


def test_hidden_and_deleted_topics_leave_lists(member: Any, lea: Any, moderator: Any, space: Space) -> None:
    hidden = start_topic(member, space, title="Hidden")
    gone = start_topic(member, space, title="Gone")
    actions.hide_topic(Guardian(moderator), hidden)
    actions.delete_post(Guardian(member), gone.posts.get(position=1))
    assert titles(queries.list_topics(Guardian(lea))) == []
    assert titles(queries.list_topics(Guardian(member))) == ["Hidden"]  # authors still see their hidden topic


def test_muted_topics_and_spaces_disappear(member: Any, lea: Any, space: Space, public_space: Space) -> None:
    muted = start_topic(member, space, title="Muted one")
    start_topic(member, space, title="Kept")
    start_topic(member, public_space, title="In muted space")
    actions.set_topic_follow_level(Guardian(lea), muted, level="muted")
    actions.set_space_follow_level(Guardian(lea), public_space, level="muted")
    assert titles(queries.list_topics(Guardian(lea))) == ["Kept"]
    assert titles(queries.space_topic_list(Guardian(lea), space)) == ["Kept"]


def test_pinned_topics_lead_the_first_page(member: Any, moderator: Any, space: Space) -> None:
    pinned = start_topic(member, space, title="Read me first")
    start_topic(member, space, title="Later")
    actions.pin_topic(Guardian(moderator), pinned)
    in_space = queries.space_topic_list(Guardian(member), space)
    assert [t.title for t in in_space.pinned] == ["Read me first"] and titles(in_space) == ["Later"]
    latest = queries.list_topics(Guardian(member))
    assert latest.pinned == [] and titles(latest) == [
        "Later",
        "Read me first",
    ]  # space pins stay in the space
    actions.pin_topic(Guardian(moderator), pinned, scope=Topic.PIN_SITE)
    assert [t.title for t in queries.list_topics(Guardian(member)).pinned] == ["Read me first"]


def test_unread_list_and_counts(member: Any, lea: Any, space: Space) -> None:
    seen = start_topic(member, space, title="Seen")
    start_topic(member, space, title="Never opened")
    actions.mark_read(Guardian(lea), seen, position=1)
    assert titles(queries.list_topics(Guardian(lea), kind=queries.UNREAD)) == []
    reply(member, seen, "news")
    unread = queries.list_topics(Guardian(lea), kind=queries.UNREAD)
    assert titles(unread) == ["Seen"] and unread.topics[0].unread_count == 1
    assert queries.unread_counts_by_space(Guardian(lea)) == {space.pk: 1}
    assert queries.list_topics(Guardian(None), kind=queries.UNREAD).topics == []


def test_top_by_period(member: Any, lea: Any, space: Space) -> None:
    busy = start_topic(member, space, title="Busy")
    start_topic(member, space, title="Quiet")
    ancient = start_topic(member, space, title="Ancient")
    for _ in range(3):
        reply(lea, busy)
    for _ in range(5):
        reply(lea, ancient)
    Topic.objects.filter(pk=ancient.pk).update(created_at=timezone.now() - timedelta(days=40))
    assert titles(queries.list_topics(Guardian(lea), kind=queries.TOP, period="week")) == ["Busy", "Quiet"]
    assert titles(queries.list_topics(Guardian(lea), kind=queries.TOP, period="year"))[0] == "Ancient"


def test_tag_filter_and_cursor_pagination(member: Any, space: Space) -> None:
    for i in range(5):
        start_topic(member, space, title=f"Tagged {i}", tags="comets")
    start_topic(member, space, title="Untagged")
    tag = queries.get_tag(Guardian(member), "comets")
    first = queries.list_topics(Guardian(member), tag=tag, limit=3)
    assert titles(first) == ["Tagged 4", "Tagged 3", "Tagged 2"] and first.next_cursor
    second = queries.list_topics(Guardian(member), tag=tag, limit=3, cursor=first.next_cursor)
    assert titles(second) == ["Tagged 1", "Tagged 0"] and second.next_cursor is None


def test_list_pages_render(client_for: Any, member: Any, lea: Any, space: Space, public_space: Space) -> None:
    start_topic(member, space, title="Members only", tags="gear")
    start_topic(member, public_space, title="For everyone")
    c = client_for(lea)
    for name in ("latest", "unread", "top"):
        assert c.get(reverse(f"discussions:{name}")).status_code == 200
    page = c.get(reverse("discussions:space-topics", args=[space.slug]))
    assert b"Members only" in page.content and b"New topic" in page.content
    assert c.get(reverse("discussions:latest") + "?tag=nope").status_code == 404
    anon = client_for(None)
    assert b"For everyone" in anon.get(reverse("discussions:latest")).content
    assert b"Members only" not in anon.get(reverse("discussions:latest")).content
    assert anon.get(reverse("discussions:space-topics", args=[space.slug])).status_code == 404
    assert anon.get(reverse("discussions:unread")).status_code == 302


def test_load_more_returns_rows_partial(client_for: Any, member: Any, space: Space) -> None:
    for i in range(32):
        start_topic(member, space, title=f"T{i}")
    c = client_for(member)
    first = c.get(reverse("discussions:space-topics", args=[space.slug]))
    cursor = first.content.decode().split("?cursor=")[1].split('"')[0].split("&")[0]
    more = c.get(
        reverse("discussions:space-topics", args=[space.slug]) + f"?cursor={cursor}", HTTP_HX_REQUEST="true"
    )
    assert more.status_code == 200 and b"T0" in more.content and b"<html" not in more.content


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["latest", "top", "unread"])
def test_list_query_count_does_not_grow(
    client_for: Any, member: Any, lea: Any, space: Space, name: str
) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            t = start_topic(
                member, space, title=f"Topic {name} {i} {Topic.objects.count()}", tags=f"t{i}, shared"
            )
            reply(member, t)
            actions.mark_read(Guardian(lea), t, position=1)

    grow(2)
    c = client_for(lea)
    url = reverse(f"discussions:{name}")
    small = _count(c, url)
    grow(6)
    assert _count(c, url) == small


def test_space_list_query_count_does_not_grow(
    client_for: Any, member: Any, moderator: Any, space: Space
) -> None:
    start_topic(member, space, title="pinned")
    actions.pin_topic(Guardian(moderator), Topic.objects.get())
    start_topic(member, space, title="one", tags="a")
    c = client_for(member)
    url = reverse("discussions:space-topics", args=[space.slug])
    small = _count(c, url)
    for i in range(6):
        start_topic(member, space, title=f"more {i}", tags=f"x{i}, y{i}")
    assert _count(c, url) == small
