"""A space someone may not see answers exactly like a space that does not exist: same status, same body."""

from __future__ import annotations

import re
from typing import Any

import pytest

import factories as testing
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HIDDEN, MISSING = "secret-plans", "no-such-space"
PER_REQUEST = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'"X-CSRFToken": "[^"]+"'), '"X-CSRFToken": ""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def _normalise(body: bytes, slug: str) -> str:
    """Remove what differs on every request anyway (CSRF masks, CSP nonce) and the slug itself."""
    text = body.decode()
    for pattern, replacement in PER_REQUEST:
        text = pattern.sub(replacement, text)
    return text.replace(slug, "<slug>")


def _hidden_space(members: list[Any]) -> Space:
    return testing.make_space("Secret plans", slug=HIDDEN, visibility=Space.SECRET, members=members)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/s/{}/"),
        ("get", "/s/{}/members/"),
        ("get", "/s/{}/settings/"),
        ("post", "/s/{}/join/"),
        ("post", "/s/{}/leave/"),
        ("post", "/s/{}/members/invite/"),
        ("post", "/s/{}/members/max/approve/"),
        ("post", "/s/{}/settings/archive/"),
    ],
)
@pytest.mark.parametrize("persona", ["member", "moderator", "suspended", "anonymous_public"])
def test_pages_answer_unseen_like_missing(
    client_for: Any, request: pytest.FixtureRequest, community: Any, method: str, path: str, persona: str
) -> None:
    insider = testing.make_member("insider")
    _hidden_space([insider])
    user = None if persona == "anonymous_public" else request.getfixturevalue(persona)
    c = client_for(user)
    hidden = getattr(c, method)(path.format(HIDDEN))
    missing = getattr(c, method)(path.format(MISSING))
    # Visitors are sent to the login page before any lookup, whether the space exists or not.
    login_first = user is None and (method == "post" or path.endswith("/settings/"))
    assert hidden.status_code == missing.status_code == (302 if login_first else 404)
    assert _normalise(hidden.content, HIDDEN) == _normalise(missing.content, MISSING)
    assert hidden.get("Location", "").replace(HIDDEN, "") == missing.get("Location", "").replace(MISSING, "")
    # and the insider really does see it
    assert client_for(insider).get(f"/s/{HIDDEN}/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/spaces/{}"), ("post", "/api/v1/spaces/{}/join"), ("post", "/api/v1/spaces/{}/leave")],
)
@pytest.mark.parametrize("persona", ["member", "moderator", "outsider"])
def test_api_answers_unseen_like_missing(
    client_for: Any, request: pytest.FixtureRequest, community: Any, method: str, path: str, persona: str
) -> None:
    _hidden_space([])
    c = client_for(request.getfixturevalue(persona))
    hidden = getattr(c, method)(path.format(HIDDEN), content_type="application/json")
    missing = getattr(c, method)(path.format(MISSING), content_type="application/json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.headers.get("Content-Type") == missing.headers.get("Content-Type")


def test_anonymous_api_unseen_like_missing(client: Any, community: Any) -> None:
    testing.make_space("Members only", slug=HIDDEN)
    hidden = client.get(f"/api/v1/spaces/{HIDDEN}")
    missing = client.get(f"/api/v1/spaces/{MISSING}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_unseen_space_is_absent_from_lists(client_for: Any, member: Any) -> None:
    _hidden_space([])
    c = client_for(member)
    assert "Secret plans" not in c.get("/spaces/").content.decode()
    assert HIDDEN not in c.get("/api/v1/spaces").content.decode()
