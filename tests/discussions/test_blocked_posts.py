"""Posts by a member the reader blocked show collapsed on topic pages (flat and threaded), in the same
number of queries; everyone else still reads them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.accounts.models import Block

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view", ["flat", "thread"])
def test_a_blocked_members_posts_are_collapsed_for_the_blocker(
    client_for: Any, member: Any, newcomer: Any, moderator: Any, view: str
) -> None:
    space = testing.make_space("Deep sky", members=[member, newcomer, moderator])
    topic = start_topic(moderator, space)
    reply(newcomer, topic, body="Buy my old lens, cheap!")
    reply(member, topic, body="The Samyang 14mm is a classic.")
    url = f"/t/{topic.pk}/{topic.slug}/?view={view}"
    c = client_for(member)
    c.get(url)  # the first visit writes the read position
    with CaptureQueriesContext(connection) as before:
        assert c.get(url).status_code == 200
    Block.objects.create(blocker=member, blocked=newcomer)
    with CaptureQueriesContext(connection) as after:
        html = c.get(url).content.decode()
    assert "Buy my old lens" not in html and "A post from a member you blocked." in html
    assert "The Samyang 14mm is a classic." in html and "I want a wide, fast lens." in html
    assert len(after.captured_queries) == len(before.captured_queries)
    assert "Buy my old lens" in client_for(moderator).get(url).content.decode()
