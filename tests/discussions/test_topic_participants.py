"""Topic lists show who takes part (issue 12, look of discussions): the opening post's author, then the
newest distinct authors of visible replies, up to five, fetched for the whole list in one query; replies
and last activity beside them. The actions keep each topic's participants under its row lock."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import factories as testing
from townhall.discussions import actions, queries
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db


def people(space: Space, n: int) -> list[Any]:
    made = []
    for i in range(n):
        user = testing.make_member(f"p{i}", display_name=f"Person {i}")
        SpaceMembership.objects.create(space=space, user=user)
        made.append(user)
    return made


def test_the_actions_keep_up_to_five_participants_newest_first(
    member: Any, moderator: Any, space: Space
) -> None:
    crowd = people(space, 6)
    topic = start_topic(member, space)
    assert fresh(topic).participant_ids == [member.pk]
    for person in crowd:
        reply(person, topic)
    reply(crowd[1], topic)  # speaks again: moves to the front of the repliers
    ids = fresh(topic).participant_ids
    assert ids == [member.pk, crowd[1].pk, crowd[5].pk, crowd[4].pk, crowd[3].pk]
    reply(member, topic)  # the opener replying does not take a second place
    assert fresh(topic).participant_ids[0] == member.pk and fresh(topic).participant_ids.count(member.pk) == 1
    last = topic.posts.filter(author=crowd[1]).order_by("-position")
    for post in last:
        actions.hide_post(Guardian(moderator), post)
    assert crowd[1].pk not in fresh(topic).participant_ids  # hidden replies do not count
    earlier = topic.posts.get(author=crowd[5])
    actions.delete_post(Guardian(crowd[5]), earlier)
    assert crowd[5].pk not in fresh(topic).participant_ids
    assert len(fresh(topic).participant_ids) == 5


def test_list_rows_show_faces_replies_and_last_activity(client_for: Any, member: Any, space: Space) -> None:
    crowd = people(space, 2)
    topic = start_topic(member, space, title="Which eyepiece?")
    for person in crowd:
        reply(person, topic)
    html = client_for(member).get(reverse("discussions:space-topics", args=[space.slug])).content.decode()
    row = html[
        html.index('<li class="topic-row">') : html.index(
            "</li>\n", html.index('aria-label="Taking part"') + 1
        )
    ]
    faces = re.findall(r'<li title="([^"]+)">', row)
    assert faces == ["Max Member", "Person 1", "Person 0"]
    assert '<span class="visually-hidden">Person 1</span>' in row
    stats = html[html.index('<div class="topic-row-stats small muted">') :]
    assert re.search(r'</span>2<span class="visually-hidden"> replies</span>', stats)
    assert "Last reply <time datetime=" in stats


@pytest.mark.parametrize("name", ["latest", "space"])
def test_faces_cost_one_query_for_the_whole_list(
    client_for: Any, member: Any, space: Space, name: str
) -> None:
    crowd = people(space, 5)
    url = (
        reverse("discussions:latest")
        if name == "latest"
        else reverse("discussions:space-topics", args=[space.slug])
    )

    def grow(n: int) -> None:
        for i in range(n):
            t = start_topic(member, space, title=f"Topic {i} {Topic.objects.count()}")
            for person in crowd[: i % 5 + 1]:
                reply(person, t)

    grow(1)
    c = client_for(member)
    with CaptureQueriesContext(connection) as small:
        c.get(url)
    grow(7)
    with CaptureQueriesContext(connection) as big:
        page = c.get(url)
    assert len(big.captured_queries) == len(small.captured_queries)
    # Person 0 replied first everywhere: shown on every row but the one with five newer repliers.
    assert page.content.decode().count('<li title="Person 0">') == 7
    user_queries = [
        q["sql"] for q in big.captured_queries if 'FROM "accounts_user"' in q["sql"] and "IN (" in q["sql"]
    ]
    assert len(user_queries) == 1, user_queries


def test_lists_without_participants_run_no_extra_query(member: Any, space: Space) -> None:
    start_topic(member, space)
    Topic.objects.update(participant_ids=[])
    result = queries.list_topics(Guardian(member))
    assert result.topics[0].participants == []  # type: ignore[attr-defined]
