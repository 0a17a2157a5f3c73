"""Found by probing from outside (issue 12, hardening): a tag used only in a secret space, and a reply_to
pointing at a post in a hidden space or in another topic, must answer exactly like something missing —
on the pages and on the API. And a visitor's 404 offers to log in, identically for a missing page and one
that only members see (defect 9)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.discussions.models import Post
from townhall.spaces.models import Space

from .conftest import start_topic

pytestmark = pytest.mark.django_db

PER_REQUEST = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": ""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def normalised(response: Any, *names: str) -> str:
    """The page without what changes on every request (CSRF masks, the CSP nonce) and the names asked for."""
    text = response.content.decode()
    for pattern, replacement in PER_REQUEST:
        text = pattern.sub(replacement, text)
    for name in names:
        text = text.replace(name, "<asked>")
    return text


@pytest.fixture
def secret(community: Any) -> Space:
    insider = testing.make_member("insider")
    space = testing.make_space("Secret plans", visibility=Space.SECRET, members=[insider])
    start_topic(insider, space, title="Only for us", tags="eclipse-trip")
    return space


# --- tags ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["member", "moderator", None])
def test_a_tag_used_only_in_a_secret_space_looks_missing(
    client_for: Any, request: pytest.FixtureRequest, secret: Space, space: Space, persona: str | None
) -> None:
    c = client_for(request.getfixturevalue(persona) if persona else None)
    for url in [reverse("discussions:latest"), reverse("discussions:top")]:
        hidden = c.get(f"{url}?tag=eclipse-trip")
        missing = c.get(f"{url}?tag=no-such-tag")
        assert hidden.status_code == missing.status_code == 404
        assert normalised(hidden, "eclipse-trip") == normalised(missing, "no-such-tag")
    api_hidden = c.get("/api/v1/topics?tag=eclipse-trip")
    api_missing = c.get("/api/v1/topics?tag=no-such-tag")
    assert api_hidden.status_code == api_missing.status_code == 404
    assert api_hidden.content == api_missing.content


def test_the_tag_is_found_by_those_who_see_it_and_once_it_is_used_in_the_open(
    client_for: Any, secret: Space, member: Any, public_space: Space
) -> None:
    insider = client_for(secret.memberships.get().user)
    assert insider.get(reverse("discussions:latest") + "?tag=eclipse-trip").status_code == 200
    assert client_for(member).get(reverse("discussions:latest") + "?tag=eclipse-trip").status_code == 404
    start_topic(member, public_space, title="Eclipse in August", tags="eclipse-trip")
    page = client_for(None).get(reverse("discussions:latest") + "?tag=eclipse-trip")
    assert (
        page.status_code == 200
        and b"Eclipse in August" in page.content
        and b"Only for us" not in page.content
    )


# --- reply_to --------------------------------------------------------------------------------------
def _targets(secret: Space, member: Any, space: Space) -> tuple[Any, dict[str, int]]:
    topic = start_topic(member, space, title="Here")
    elsewhere = start_topic(member, space, title="Elsewhere")
    hidden_post = Post.objects.get(topic__space=secret, position=1)
    targets = {
        "missing": 987_654,
        "hidden space": hidden_post.pk,
        "other topic": Post.objects.get(topic=elsewhere, position=1).pk,
    }
    return topic, targets


def test_reply_to_elsewhere_answers_like_missing_on_the_pages(
    client_for: Any, secret: Space, member: Any, space: Space
) -> None:
    topic, targets = _targets(secret, member, space)
    c = client_for(member)
    url = reverse("discussions:topic-reply", args=[topic.pk])
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        answers = {
            name: c.post(url, {"body": "Agreed", "reply_to": pk, "inline": "1"}, **htmx)
            for name, pk in targets.items()
        }
        statuses = {name: r.status_code for name, r in answers.items()}
        assert set(statuses.values()) == {422 if htmx else 400}, statuses
        bodies = {name: normalised(r) for name, r in answers.items()}
        assert bodies["hidden space"] == bodies["missing"] == bodies["other topic"]
        assert "There is no such post in this topic" in bodies["missing"]
    # the reply form itself (?to=) too
    forms = {name: c.get(f"{url}?to={pk}") for name, pk in targets.items()}
    assert {r.status_code for r in forms.values()} == {400}
    assert len({normalised(r, f"to={targets[name]}") for name, r in forms.items()}) == 1
    assert Post.objects.filter(topic=topic).count() == 1


def test_reply_to_elsewhere_answers_like_missing_on_the_api(
    client_for: Any, secret: Space, member: Any, space: Space
) -> None:
    topic, targets = _targets(secret, member, space)
    c = client_for(member)
    answers = {
        name: c.post(
            f"/api/v1/topics/{topic.pk}/posts",
            data=json.dumps({"body": "Agreed", "reply_to": pk}),
            content_type="application/json",
        )
        for name, pk in targets.items()
    }
    assert {r.status_code for r in answers.values()} == {422}
    assert len({r.content for r in answers.values()}) == 1
    assert answers["missing"].json()["errors"] == {
        "reply_to": ["There is no such post in this topic; reply to the topic instead."]
    }


# --- the 404 page ------------------------------------------------------------------------------------
def test_a_visitor_is_offered_to_log_in_alike_for_missing_and_members_only_pages(
    client_for: Any, space: Space, member: Any, community: Any
) -> None:
    community.landing_public = True
    community.save()
    topic = start_topic(member, space, title="Members talk")
    visitor = client_for(None)
    pairs = [
        (reverse("spaces:detail", args=[space.slug]), "/s/no-such-space/"),
        (reverse("discussions:space-topics", args=[space.slug]), "/s/no-such-space/topics/"),
        (topic.get_absolute_url(), f"/t/{topic.pk + 1000}/{topic.slug}/"),
    ]
    for unseen_path, missing_path in pairs:
        unseen, missing = visitor.get(unseen_path), visitor.get(missing_path)
        assert unseen.status_code == missing.status_code == 404
        assert normalised(unseen, unseen_path) == normalised(missing, missing_path)
        page = unseen.content.decode()
        login = f"/accounts/login/?next={unseen_path}"
        assert f'href="{login}"' in page and "Log in to see it</a>, if it is for members." in page


def test_signed_in_people_get_the_plain_404(client_for: Any, outsider: Any, space: Space) -> None:
    page = client_for(outsider).get(reverse("spaces:detail", args=[space.slug]))
    assert page.status_code == 404 and b"Log in to see it" not in page.content
