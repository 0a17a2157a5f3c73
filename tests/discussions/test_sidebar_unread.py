"""Unread counts in the sidebar: topics a member opened that have newer posts, per joined space."""

from __future__ import annotations

import re
from typing import Any

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian

from .conftest import reply, start_topic


def sidebar_count(client: Any, space_name: str) -> int:
    html = client.get("/home/").content.decode()
    nav = html.split('aria-label="Your spaces"', 1)[1].split("</nav>", 1)[0]
    match = re.search(re.escape(space_name) + r' <span class="unread-count">(\d+)', nav)
    return int(match.group(1)) if match else 0


def test_sidebar_counts_topics_with_posts_newer_than_the_read_mark(
    client_for: Any, member: Any, moderator: Any
) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    topic = start_topic(moderator, space)
    c = client_for(member)
    assert sidebar_count(c, "Planets") == 0  # never opened: the Latest list shows it as new instead

    actions.mark_read(Guardian(member), topic, position=1)
    assert sidebar_count(c, "Planets") == 0
    reply(moderator, topic)
    assert sidebar_count(c, "Planets") == 1

    topic.refresh_from_db()
    actions.mark_read(Guardian(member), topic, position=topic.last_position)
    assert sidebar_count(c, "Planets") == 0


def test_muted_and_hidden_topics_are_not_counted(client_for: Any, member: Any, moderator: Any) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    muted, hidden = (
        start_topic(moderator, space, title="Muted one"),
        start_topic(moderator, space, title="Hidden one"),
    )
    for topic in (muted, hidden):
        actions.mark_read(Guardian(member), topic, position=1)
        reply(moderator, topic)
    c = client_for(member)
    assert sidebar_count(c, "Planets") == 2
    actions.set_topic_follow_level(Guardian(member), muted, level="muted")
    assert sidebar_count(c, "Planets") == 1
    hidden.hidden = True
    hidden.save(update_fields=["hidden"])
    assert sidebar_count(c, "Planets") == 0


def test_sidebar_unread_costs_one_query_whatever_the_number_of_topics(
    client_for: Any, member: Any, moderator: Any
) -> None:
    space = testing.make_space("Planets", members=[member, moderator])
    testing.make_space("Moon", members=[member])
    c = client_for(member)

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            c.get("/home/")
        return len(ctx.captured_queries)

    def add_unread(n: int) -> None:
        for i in range(n):
            topic = start_topic(moderator, space, title=f"Topic number {i} {n}")
            actions.mark_read(Guardian(member), topic, position=1)
            reply(moderator, topic)

    add_unread(1)
    few = count_queries()
    add_unread(8)
    assert count_queries() == few
    assert sidebar_count(c, "Planets") == 9
    assert sidebar_count(c, "Moon") == 0


def test_spaces_list_shows_unread_counts_only_for_readable_spaces(
    client_for: Any, member: Any, moderator: Any
) -> None:
    from townhall.spaces import actions as space_actions
    from townhall.spaces.models import Space

    open_space = testing.make_space("Planets", members=[member, moderator])
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member, moderator])
    for space in (open_space, private):
        topic = start_topic(moderator, space, title=f"News in {space.name}")
        actions.mark_read(Guardian(member), topic, position=1)
        reply(moderator, topic)
    c = client_for(member)
    main = c.get("/spaces/").content.decode().split("<main", 1)[1]
    assert main.count('class="unread-count"') == 2

    space_actions.leave_space(Guardian(member), private)
    main = c.get("/spaces/").content.decode().split("<main", 1)[1]
    assert main.count('class="unread-count"') == 1  # no longer readable: no count leaks
