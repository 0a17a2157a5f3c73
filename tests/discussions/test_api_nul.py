"""The API answers 422 with a clear message, never a 500, when text holds a NUL character."""

from __future__ import annotations

import json
from typing import Any

import pytest

from townhall.discussions.models import Topic
from townhall.spaces.models import Space

from .conftest import start_topic

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(API + path, data=json.dumps(body or {}), content_type="application/json")


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["message"] == f"{field}: must not contain the NUL character (\\0)"
    assert field in data["errors"]


def test_nul_in_a_topic_or_post_body_is_refused(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    assert_refused(send(c, "post", "/topics", {"space": space.slug, "title": "Hi", "body": "a\x00b"}), "body")
    assert_refused(send(c, "post", "/topics", {"space": space.slug, "title": "Hi", "body": "b", "tags": ["x\x00"]}), "tags")  # fmt: skip
    assert not Topic.objects.exists()
    topic = start_topic(member, space)
    assert_refused(send(c, "post", f"/topics/{topic.pk}/posts", {"body": "\x00"}), "body")
    assert_refused(send(c, "patch", f"/posts/{topic.posts.first().pk}", {"body": "edit\x00"}), "body")  # type: ignore[union-attr]


def test_nul_in_profile_token_and_join_input_is_refused(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    assert_refused(send(c, "patch", "/me", {"links": ["https://example.org/\x00"]}), "links")
    assert_refused(send(c, "post", "/me/tokens", {"name": "script\x00"}), "name")
    assert_refused(send(c, "post", f"/spaces/{space.slug}/join", {"message": "let me in\x00"}), "message")


def test_nul_in_query_and_path_parameters_is_refused(client_for: Any, member: Any, space: Space) -> None:
    c = client_for(member)
    assert_refused(c.get(API + "/topics", {"tag": "a\x00"}), "tag")
    assert_refused(c.get(API + "/search", {"q": "nebula\x00"}), "q")
    assert_refused(c.get(API + "/members", {"q": "\x00"}), "q")
    assert_refused(c.get(API + "/spaces/x%00y"), "slug")
