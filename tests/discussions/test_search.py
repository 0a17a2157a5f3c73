"""Search: visibility inside the query, filters, ranking, safe snippets, the page and the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

import factories as testing
from townhall.core.effects import RowsWritten, emit
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.search import queries as search
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def found(guardian: Guardian, text: str, **filters: Any) -> list[str]:
    results = search.search(guardian, text, filters=search.SearchFilters(**filters))
    return [h.object.body for h in results.hits]


def test_finds_titles_and_bodies_with_stemming(member: Any, space: Space) -> None:
    topic = start_topic(member, space, title="Photographing nebulae", body="Long exposures help.")
    reply(member, topic, "I stacked forty exposures of the Orion nebula.")
    assert set(found(Guardian(member), "nebula")) == {
        "I stacked forty exposures of the Orion nebula.",
        "Long exposures help.",  # found through the topic title
    }
    assert found(Guardian(member), "stacking") == ["I stacked forty exposures of the Orion nebula."]
    assert found(Guardian(member), "galaxy") == []
    assert found(Guardian(member), "   ") == []


def test_private_content_never_leaks(
    member: Any, lea: Any, outsider: Any, private_space: Space, public_space: Space
) -> None:
    start_topic(
        member, private_space, title="Secret comet", body="Only the inner circle knows about the comet."
    )
    start_topic(member, public_space, title="Public comet", body="Everyone can read about this comet.")
    assert found(Guardian(member), "comet") and len(found(Guardian(member), "comet")) == 2
    for who in (None, outsider, lea):
        assert found(Guardian(who), "comet") == ["Everyone can read about this comet."]


def test_removed_posts_and_topics_are_not_found(member: Any, lea: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space, title="Meteor shower", body="Perseids tonight")
    hidden = reply(lea, topic, "Perseids are overrated")
    deleted = reply(lea, topic, "Perseids peak at dawn")
    actions.hide_post(Guardian(moderator), hidden)
    actions.delete_post(Guardian(lea), deleted)
    assert found(Guardian(lea), "perseids") == ["Perseids tonight"]
    actions.restore_post(Guardian(moderator), Post.objects.get(pk=hidden.pk))
    assert len(found(Guardian(lea), "perseids")) == 2
    actions.hide_topic(Guardian(moderator), Topic.objects.get(pk=topic.pk))
    assert found(Guardian(lea), "perseids") == []


def test_edits_are_reindexed(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="Saturn rings")
    actions.edit_post(Guardian(member), topic.posts.get(position=1), body="Jupiter moons", title="Gas giants")
    assert found(Guardian(member), "saturn") == []
    assert found(Guardian(member), "jupiter") == ["Jupiter moons"]
    assert found(Guardian(member), "giants") == ["Jupiter moons"]


def test_filters(member: Any, lea: Any, moderator: Any, space: Space, public_space: Space) -> None:
    q = start_topic(
        member,
        space,
        title="Tracker question",
        body="Which tracker mount?",
        kind=Topic.QUESTION,
        tags="mounts",
    )
    answer = reply(lea, q, "The tracker from brand X")
    actions.accept_answer(Guardian(member), q, answer)
    start_topic(lea, public_space, title="Tracker review", body="My tracker arrived")
    g = Guardian(member)
    assert len(found(g, "tracker")) == 3
    assert found(g, "tracker", space_id=public_space.pk) == ["My tracker arrived"]
    assert found(g, "tracker", author_id=lea.pk, kind="question") == ["The tracker from brand X"]
    assert len(found(g, "tracker", tag=q.tags.get().slug)) == 2
    assert found(g, "tracker", solved=False) == ["My tracker arrived"]
    assert found(g, "tracker", topic=q.pk, author_id=member.pk) == ["Which tracker mount?"]
    Post.objects.filter(pk=answer.pk).update(created_at=timezone.now() - timedelta(days=10))
    emit(RowsWritten("discussions.post", (answer.pk,)))  # a write outside the actions says so
    assert "The tracker from brand X" not in found(g, "tracker", after=timezone.now() - timedelta(days=1))
    assert found(g, "tracker", before=timezone.now() - timedelta(days=5)) == ["The tracker from brand X"]


def test_recency_breaks_relevance_ties(member: Any, space: Space) -> None:
    old = start_topic(member, space, title="Aurora one", body="aurora")
    start_topic(member, space, title="Aurora two", body="aurora")
    Post.objects.filter(topic=old).update(created_at=timezone.now() - timedelta(days=300))
    emit(RowsWritten("discussions.post", tuple(old.posts.values_list("pk", flat=True))))
    assert [h.object.topic.title for h in search.search(Guardian(member), "aurora").hits] == [
        "Aurora two",
        "Aurora one",
    ]


def test_snippets_escape_everything_but_marks(member: Any, space: Space) -> None:
    start_topic(
        member, space, title="<b>Bold</b> telescope", body="My `<script>alert(1)</script>` telescope & more"
    )
    hit = search.search(Guardian(member), "telescope").hits[0]
    assert "<mark>telescope</mark>" in hit.snippet_html and "<mark>telescope</mark>" in hit.title_html
    for html in (hit.snippet_html, hit.title_html):
        assert "<" not in re.sub(r"</?mark>", "", html)  # every other angle bracket is escaped


def test_operators_in_queries_are_plain_words(member: Any, space: Space) -> None:
    start_topic(member, space, body="NEAR the horizon")
    assert found(Guardian(member), 'horizon" OR "x') == []
    assert found(Guardian(member), "horizon*") == ["NEAR the horizon"]
    assert found(Guardian(member), "NEAR") == ["NEAR the horizon"]


def test_paging(member: Any, space: Space) -> None:
    topic = start_topic(member, space, body="venus")
    for i in range(25):
        reply(member, topic, f"venus transit {i}")
    first = search.search(Guardian(member), "venus")
    second = search.search(Guardian(member), "venus", page=2)
    assert len(first.hits) == 20 and first.has_next and len(second.hits) == 6 and not second.has_next


def test_search_page_and_api(
    client_for: Any, member: Any, lea: Any, space: Space, private_space: Space
) -> None:
    start_topic(member, space, title="Dark sites", body="Find a bortle 2 site")
    start_topic(member, private_space, title="Hidden dark site", body="Our secret bortle 1 field")
    page = client_for(lea).get(reverse("search:search") + "?q=bortle")
    assert page.status_code == 200
    assert b"<mark>bortle</mark> 2 site" in page.content and b"secret" not in page.content
    data = client_for(lea).get("/api/v1/search?q=bortle").json()
    assert [h["topic_title"] for h in data["hits"]] == ["Dark sites"]
    assert client_for(None).get("/api/v1/search?q=bortle").json()["hits"] == []
    assert client_for(lea).get(f"/api/v1/search?q=bortle&space={private_space.slug}").json()["hits"] == []
    assert client_for(lea).get("/api/v1/search?q=bortle&author=nobody").json()["hits"] == []
    assert client_for(lea).get("/api/v1/search?q=bortle&page=0").status_code == 422
    filtered = client_for(member).get(reverse("search:search") + "?q=bortle&space=" + private_space.slug)
    assert b"secret" in filtered.content


def test_only_the_newest_candidates_are_ranked(member: Any, space: Space, monkeypatch: Any) -> None:
    monkeypatch.setattr(search, "CANDIDATE_CAP", 3)
    topic = start_topic(member, space, body="plain opening")
    for i in range(5):
        reply(member, topic, f"andromeda {i}")
    assert sorted(found(Guardian(member), "andromeda")) == ["andromeda 2", "andromeda 3", "andromeda 4"]
