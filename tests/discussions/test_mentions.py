"""@mentions link to profiles (never inside code or links), are recorded, and are suggested while typing."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from townhall.activity.models import Activity
from townhall.content.mentions import render_post

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db


def test_mentions_link_existing_people_outside_code(member: Any, moderator: Any) -> None:
    html, ids = render_post(
        "Hi @Mona and @nobody_here, see `@mona` and [@mona](https://example.org) or me@mona.org"
    )
    assert html.count('class="mention"') == 1
    assert f'<a class="mention" href="{reverse("accounts:profile", args=["mona"])}">@mona</a>' in html
    assert "<code>@mona</code>" in html and "@nobody_here" in html
    assert ids == [moderator.pk]


def test_reply_records_mentions(member: Any, moderator: Any, space: Any) -> None:
    topic = start_topic(member, space)
    post = reply(member, topic, "Thoughts, @mona?")
    assert Activity.objects.get(verb="post.created", target_id=post.pk).data["mentioned"] == [moderator.pk]
    assert 'class="mention"' in post.body_html


def test_suggestions_page_and_api(client_for: Any, member: Any, moderator: Any, outsider: Any) -> None:
    response = client_for(member).get(reverse("discussions:mentions") + "?q=mo")
    assert b'data-mention="mona"' in response.content
    assert client_for(member).get("/api/v1/mentions?q=Mona").json() == [
        {"username": "mona", "name": "Mona Moderator"}
    ]
    assert client_for(outsider).get("/api/v1/mentions?q=mo").json() == []
    assert client_for(None).get(reverse("discussions:mentions") + "?q=mo").content.strip() == b""


def test_quote_prefills_reply_with_link_back(client_for: Any, member: Any, space: Any) -> None:
    topic = start_topic(member, space)
    post = reply(member, topic, "Line one\n\nLine two")
    page = client_for(member).get(
        reverse("discussions:topic-reply", args=[topic.pk]) + f"?to={post.pk}&quote={post.pk}"
    )
    body = page.content.decode()
    assert "&gt; Line one\n&gt;\n&gt; Line two" in body
    assert f"[post #2]({reverse('discussions:post', args=[post.pk])})" in body
