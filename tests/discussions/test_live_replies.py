"""The fragment an open topic page fetches when the stream says a reply was added, edited or removed."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def fragment(post_id: int) -> str:
    return reverse("discussions:post-fragment", args=[post_id])


def test_a_reply_comes_as_the_article_the_topic_page_shows(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "Try a *14mm*.")
    answer = reply(lea, topic, "Thanks!", reply_to=first)
    response = client_for(member).get(fragment(answer.pk), **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article ") and f'id="post-{answer.pk}"' in html
    assert "Thanks!" in html and "Lea Learner" in html and "<html" not in html


def test_a_hidden_post_shows_as_its_reader_may_see_it(
    client_for: Any, member: Any, lea: Any, moderator: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic, "Buy my telescope at a discount!")
    actions.hide_post(Guardian(moderator), post, reason="Spam")
    as_member = client_for(member).get(fragment(post.pk), **HX).content.decode()
    as_moderator = client_for(moderator).get(fragment(post.pk), **HX).content.decode()
    assert "Buy my telescope" not in as_member
    assert "Buy my telescope" in as_moderator


def test_unseen_posts_answer_404_like_missing_ones(
    client_for: Any, member: Any, private_space: Space, outsider: Any, lea: Any
) -> None:
    topic = start_topic(member, private_space)
    post = reply(member, topic, "Members only")
    for who in (None, outsider, lea):
        assert client_for(who).get(fragment(post.pk), **HX).status_code == 404
    assert client_for(member).get(fragment(987654), **HX).status_code == 404


def test_without_htmx_it_is_the_posts_permalink(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(member, topic)
    response = client_for(member).get(fragment(post.pk))
    assert response.status_code == 302 and response["Location"] == reverse("discussions:post", args=[post.pk])


def test_the_fragment_runs_a_fixed_number_of_queries(
    client_for: Any, member: Any, lea: Any, space: Space, django_assert_num_queries: Any
) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic, "Clear skies tonight")
    client = client_for(member)
    client.get(fragment(post.pk), **HX)  # warm the session and the caches
    with django_assert_num_queries(6):
        assert client.get(fragment(post.pk), **HX).status_code == 200
