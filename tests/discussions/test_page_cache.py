"""The topic page as anonymous visitors see it comes from the page cache, and never a stale or wrong copy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from townhall.community.models import Community
from townhall.core import pagecache
from townhall.discussions import actions
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(member: Any, public_space: Space) -> Topic:
    topic = start_topic(member, public_space, title="Dew on the lens", body="How do you keep the lens dry?")
    reply(member, topic, "A dew heater strip.")
    return topic


def visit(topic: Topic, path: str = "", client: Client | None = None) -> Any:
    client = client or Client()
    return client.get(topic.get_absolute_url() + path)


def test_second_visit_is_served_from_the_cache(topic: Topic) -> None:
    first, second = visit(topic), visit(topic)
    assert first.status_code == second.status_code == 200
    assert first[pagecache.HEADER] == "miss" and second[pagecache.HEADER] == "hit"
    assert "A dew heater strip." in second.content.decode()


def test_each_visitor_gets_their_own_csrf_token_and_nonce(topic: Topic) -> None:
    visit(topic)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visit(topic, client=visitor)
    body = page.content.decode()
    assert page[pagecache.HEADER] == "hit"
    assert pagecache.CSRF_MARK not in body and pagecache.NONCE_MARK not in body
    nonce = re.search(r"'nonce-([^']+)'", page["Content-Security-Policy"])
    assert nonce and f'nonce="{nonce.group(1)}"' in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    answer = visitor.post(reverse("accounts:theme"), {"csrfmiddlewaretoken": token.group(1), "next": "/"})
    assert answer.status_code == 302  # the token from the cached page works for this visitor
    other = visit(topic, client=Client())
    assert re.search(r"'nonce-([^']+)'", other["Content-Security-Policy"]).group(1) != nonce.group(1)  # type: ignore[union-attr]


def _edit(topic: Topic, member: Any, moderator: Any) -> str:
    actions.edit_post(Guardian(member), topic.posts.get(position=2), body="A heated strap, on low power.")
    return "A heated strap, on low power."


def _reply(topic: Topic, member: Any, moderator: Any) -> str:
    reply(moderator, topic, "Hand warmers work in a pinch.")
    return "Hand warmers work in a pinch."


def _react(topic: Topic, member: Any, moderator: Any) -> str:
    actions.react(Guardian(moderator), topic.posts.get(position=2), emoji=actions.allowed_emoji()[0])
    return "<summary>Who reacted</summary>"  # only a post with reactions lists who reacted


def _lock(topic: Topic, member: Any, moderator: Any) -> str:
    actions.lock_topic(Guardian(moderator), topic)
    return '<span class="badge">Locked</span>'


def _tags(topic: Topic, member: Any, moderator: Any) -> str:
    actions.edit_post(Guardian(member), topic.posts.get(position=1), body="Still damp.", tags="dew-control")
    return "#dew-control"


def _hide(topic: Topic, member: Any, moderator: Any) -> str:
    actions.hide_post(Guardian(moderator), topic.posts.get(position=2))
    return "!A dew heater strip."


@pytest.mark.parametrize("change", [_edit, _reply, _react, _lock, _tags, _hide])
def test_a_change_to_the_topic_shows_at_once(
    topic: Topic, member: Any, moderator: Any, change: Callable[..., str]
) -> None:
    visit(topic)
    cached = visit(topic)
    assert cached[pagecache.HEADER] == "hit"
    before = cached.content.decode()
    expected = change(Topic.objects.get(pk=topic.pk), member, moderator)
    page = visit(topic)
    assert page[pagecache.HEADER] == "miss"
    body = page.content.decode()
    if expected.startswith("!"):
        assert expected[1:] in before and expected[1:] not in body
    else:
        assert expected not in before and expected in body


def test_community_and_name_changes_start_a_new_generation(topic: Topic, member: Any) -> None:
    visit(topic)
    community = Community.objects.get()
    community.name = "Dark Sky Friends"
    community.save()
    assert "Dark Sky Friends" in visit(topic).content.decode()
    visit(topic)
    member.display_name = "Maxine Member"
    member.save()
    page = visit(topic)
    assert page[pagecache.HEADER] == "miss" and "Maxine Member" in page.content.decode()


def test_signing_in_does_not_empty_the_cache(topic: Topic, member: Any) -> None:
    visit(topic)
    member.last_login = None
    member.save(update_fields=["last_login"])
    assert visit(topic)[pagecache.HEADER] == "hit"


def test_a_space_turned_private_stops_serving_the_cached_page(topic: Topic, public_space: Space) -> None:
    visit(topic)
    Space.objects.filter(pk=public_space.pk).update(visibility=Space.PRIVATE)  # even without a new generation
    assert visit(topic).status_code == 404


@pytest.mark.parametrize(
    "prepare",
    [
        pytest.param(lambda c: c.cookies.load({"sessionid": "abc"}), id="session cookie"),
        pytest.param(lambda c: c.cookies.load({"messages": "x"}), id="messages cookie"),
    ],
)
def test_visitors_with_a_session_or_messages_are_not_served_from_the_cache(
    topic: Topic, prepare: Callable[[Client], None]
) -> None:
    visit(topic)
    client = Client()
    prepare(client)
    assert pagecache.HEADER not in visit(topic, client=client)


def test_members_htmx_and_unknown_parameters_bypass_the_cache(
    topic: Topic, client_for: Any, member: Any
) -> None:
    visit(topic)
    assert pagecache.HEADER not in client_for(member).get(topic.get_absolute_url())
    assert pagecache.HEADER not in Client().get(topic.get_absolute_url(), headers={"HX-Request": "true"})
    assert pagecache.HEADER not in visit(topic, "?utm_source=mail")
    assert visit(topic, "?view=thread")[pagecache.HEADER] == "miss"  # its own entry
    assert visit(topic, "?view=thread")[pagecache.HEADER] == "hit"


def test_the_threaded_choice_is_remembered_from_a_cached_page(topic: Topic) -> None:
    visit(topic, "?view=thread")
    client = Client()
    page = visit(topic, "?view=thread", client=client)
    assert page[pagecache.HEADER] == "hit" and page.cookies["th_topic_view"].value == "thread"
    assert 'class="posts posts-thread"' in visit(topic, client=client).content.decode()
