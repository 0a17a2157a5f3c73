"""The thread API: the same actions as the thread pages, JSON in and out, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

import factories as testing
from townhall.chat import actions
from townhall.chat.models import Message, ThreadFollow
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def _send(c: Client, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return getattr(c, method)(url)
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def root(member: Any, lounge: Space) -> Message:
    return actions.send_message(Guardian(member), lounge, body="Seeing tonight?")


def test_reply_answers_201_and_a_retry_returns_the_same_reply(
    client_for: Any, newcomer: Any, root: Message
) -> None:
    c = client_for(newcomer)
    url = f"/api/v1/messages/{root.pk}/replies"
    first = _send(c, "post", url, {"body": "Steady, 2 arcsec", "client_key": "t1", "also_in_channel": True})
    assert first.status_code == 201
    body = first.json()
    assert body["thread"]["root"] == root.pk and body["thread"]["also_in_channel"] is True
    again = _send(c, "post", url, {"body": "Steady, 2 arcsec", "client_key": "t1"})
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Message.objects.filter(thread_root=root).count() == 1


def test_the_thread_lists_root_replies_and_followers(
    client_for: Any, member: Any, newcomer: Any, root: Message
) -> None:
    actions.reply_in_thread(Guardian(newcomer), root, body="One")
    data = client_for(member).get(f"/api/v1/messages/{root.pk}/replies").json()
    assert data["root"]["id"] == root.pk and data["root"]["thread"]["reply_count"] == 1
    assert [m["body"] for m in data["items"]] == ["One"] and data["earlier"] is None
    assert data["followers"] == {"names": ["Max Member", "Nina Newcomer"], "more": 0, "following": True}


def test_bad_input_and_unseen_threads(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, root: Message
) -> None:
    url = f"/api/v1/messages/{root.pk}/replies"
    empty = _send(client_for(newcomer), "post", url, {"body": "  "})
    assert empty.status_code == 422 and empty.json()["message"] == "Write something before sending."
    assert _send(client_for(outsider), "post", url, {"body": "hi"}).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="A reply")
    assert client_for(member).get(f"/api/v1/messages/{reply.pk}/replies").status_code == 404
    assert _send(client_for(newcomer), "post", url, {"body": 5}).status_code in (400, 422)


def test_follow_unfollow_read_and_the_threads_list(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, lounge: Space, root: Message
) -> None:
    c = client_for(space_moderator)
    assert _send(c, "put", f"/api/v1/messages/{root.pk}/follow").json()["following"] is True
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="News")
    listed = c.get("/api/v1/spaces/lounge/threads").json()["items"]
    assert [(t["root"]["id"], t["unread"]) for t in listed] == [(root.pk, 1)]
    assert (
        _send(c, "post", f"/api/v1/messages/{root.pk}/replies/read", {"up_to": reply.pk}).status_code == 200
    )
    assert c.get("/api/v1/spaces/lounge/threads").json()["items"][0]["unread"] == 0
    assert _send(c, "post", f"/api/v1/messages/{root.pk}/replies/read", {"up_to": 0}).status_code in (
        400,
        422,
    )
    assert _send(c, "delete", f"/api/v1/messages/{root.pk}/follow").json()["following"] is False
    assert not ThreadFollow.objects.filter(user=space_moderator).exists()


def test_promote_through_the_api(client_for: Any, member: Any, newcomer: Any, root: Message) -> None:
    forum = testing.make_space("Imaging", kind="discussion")
    actions.reply_in_thread(Guardian(newcomer), root, body="Yes")
    url = f"/api/v1/messages/{root.pk}/promote"
    refused = _send(client_for(newcomer), "post", url, {"space": forum.slug, "title": "Seeing"})
    assert refused.status_code == 403 and "author" in refused.json()["message"]
    not_topics = _send(client_for(member), "post", url, {"space": "lounge", "title": "Seeing"})
    assert not_topics.status_code == 422 and "Pick a discussions space" in not_topics.json()["message"]
    assert _send(client_for(member), "post", url, {"space": "nope", "title": "Seeing"}).status_code == 404
    done = _send(client_for(member), "post", url, {"space": forum.slug, "title": "Seeing"})
    topic = Topic.objects.get()
    assert done.status_code == 201 and done.json() == {
        "id": topic.pk,
        "title": "Seeing",
        "url": topic.get_absolute_url(),
    }
    channel = client_for(member).get("/api/v1/spaces/lounge/messages").json()["items"]
    assert channel[0]["thread"]["promoted_to"] == topic.get_absolute_url()
    again = _send(client_for(member), "post", url, {"space": forum.slug, "title": "Seeing"})
    assert again.status_code == 403
