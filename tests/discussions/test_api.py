"""The JSON door: the same actions as the pages, one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

import factories as testing
from townhall.discussions.models import Post, Reaction, Topic, TopicFollow
from townhall.spaces.models import Space, SpaceMembership

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(API + path, data=json.dumps(body or {}), content_type="application/json")


def test_create_topic_and_reply(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    c = client_for(member)
    response = send(
        c,
        "post",
        "/topics",
        {
            "space": space.slug,
            "title": "Focus at night",
            "body": "How?",
            "kind": "question",
            "tags": ["focus"],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["title"] == "Focus at night" and data["tags"] == ["focus"] and data["kind"] == "question"
    topic_id = data["id"]
    response = send(client_for(lea), "post", f"/topics/{topic_id}/posts", {"body": "Use live view at 10x."})
    assert response.status_code == 201 and response.json()["position"] == 2
    child = send(
        c, "post", f"/topics/{topic_id}/posts", {"body": "Thanks", "reply_to": response.json()["id"]}
    )
    assert child.json()["depth"] == 2 and child.json()["reply_to_id"] == response.json()["id"]


def test_create_topic_errors(client_for: Any, member: Any, outsider: Any, space: Space) -> None:
    c = client_for(member)
    long = send(c, "post", "/topics", {"space": space.slug, "title": "x" * 201, "body": "b"})
    assert long.status_code == 422 and "title" in long.json()["errors"]
    blank = send(c, "post", "/topics", {"space": space.slug, "title": "  ", "body": "b"})
    assert blank.status_code == 422 and blank.json()["message"] == "Give your topic a title."
    assert (
        send(
            client_for(outsider), "post", "/topics", {"space": space.slug, "title": "t", "body": "b"}
        ).status_code
        == 404
    )
    assert (
        send(
            client_for(None), "post", "/topics", {"space": space.slug, "title": "t", "body": "b"}
        ).status_code
        == 401
    )
    assert not Topic.objects.exists()


def test_reply_errors(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    other = start_topic(member, space, title="Other")
    c = client_for(lea)
    wrong = send(c, "post", f"/topics/{topic.pk}/posts", {"body": "x", "reply_to": other.last_post_id})
    missing = send(c, "post", f"/topics/{topic.pk}/posts", {"body": "x", "reply_to": 999999})
    assert wrong.status_code == missing.status_code == 422 and wrong.json() == missing.json()
    assert send(c, "post", f"/topics/{topic.pk}/posts", {"body": "x" * 32_001}).status_code == 422


def test_list_and_get_topics(
    client_for: Any, member: Any, space: Space, public_space: Space, private_space: Space
) -> None:
    start_topic(member, space, title="Members topic", tags="gear")
    start_topic(member, public_space, title="Public topic")
    start_topic(member, private_space, title="Private topic")
    anon = client_for(None).get(f"{API}/topics").json()
    assert [t["title"] for t in anon["items"]] == ["Public topic"]
    mine = client_for(member).get(f"{API}/topics").json()
    assert {t["title"] for t in mine["items"]} == {"Members topic", "Public topic", "Private topic"}
    tagged = client_for(member).get(f"{API}/topics?tag=gear").json()
    assert [t["title"] for t in tagged["items"]] == ["Members topic"]
    assert client_for(member).get(f"{API}/topics?list=hot").status_code == 422
    assert client_for(member).get(f"{API}/topics?cursor=garbage").status_code == 400


def test_topic_posts_pages(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    a = reply(member, topic, "a")
    reply(member, topic, "b", reply_to=a)
    c = client_for(member)
    flat = c.get(f"{API}/topics/{topic.pk}/posts").json()
    assert [p["position"] for p in flat["items"]] == [1, 2, 3]
    thread = c.get(f"{API}/topics/{topic.pk}/posts?view=thread").json()
    assert [p["depth"] for p in thread["items"]] == [0, 1, 2]


def test_edit_delete_and_revisions(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    opening = topic.last_post_id
    c = client_for(member)
    edited = send(c, "patch", f"/posts/{opening}", {"body": "New body", "title": "New title", "tags": ["a"]})
    assert edited.status_code == 200 and edited.json()["body"] == "New body"
    assert fresh(topic).title == "New title"
    revisions = c.get(f"{API}/posts/{opening}/revisions").json()
    assert [r["number"] for r in revisions] == [1] and revisions[0][
        "body"
    ] == "I want a wide, fast lens. Ideas?"
    assert send(client_for(lea), "patch", f"/posts/{opening}", {"body": "hijack"}).status_code == 403
    post = reply(lea, topic)
    assert send(c, "delete", f"/posts/{post.pk}").status_code == 403
    assert send(client_for(lea), "delete", f"/posts/{post.pk}").status_code == 204
    gone = c.get(f"{API}/posts/{post.pk}").json()
    assert gone["deleted"] is True and gone["body"] is None


def test_reactions(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    c = client_for(lea)
    response = send(c, "post", f"/posts/{topic.last_post_id}/reactions", {"emoji": "🎉"})
    assert response.status_code == 200
    assert response.json()["reactions"] == [
        {"emoji": "🎉", "label": "Celebrate", "count": 1, "names": ["Lea Learner"], "mine": True}
    ]
    assert send(c, "post", f"/posts/{topic.last_post_id}/reactions", {"emoji": "🦄"}).status_code == 422
    assert send(c, "delete", f"/posts/{topic.last_post_id}/reactions/🎉").status_code == 200
    assert not Reaction.objects.exists()
    assert send(c, "delete", f"/posts/{topic.last_post_id}/reactions/🎉").status_code == 422


def test_accepted_answer(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space, kind=Topic.QUESTION)
    answer = reply(lea, topic)
    assert (
        send(client_for(lea), "put", f"/topics/{topic.pk}/accepted", {"post_id": answer.pk}).status_code
        == 403
    )
    ok = send(client_for(member), "put", f"/topics/{topic.pk}/accepted", {"post_id": answer.pk})
    assert ok.status_code == 200 and ok.json()["solved"] is True
    assert send(client_for(member), "delete", f"/topics/{topic.pk}/accepted").json()["solved"] is False
    assert send(client_for(member), "delete", f"/topics/{topic.pk}/accepted").status_code == 422


def test_read_state_and_follow(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    reply(member, topic)
    reply(member, topic)
    c = client_for(lea)
    assert c.get(f"{API}/topics/{topic.pk}/read").json()["unread_count"] == 3
    marked = send(c, "put", f"/topics/{topic.pk}/read", {"position": 2}).json()
    assert marked == {"topic_id": topic.pk, "highest_position_read": 2, "last_position": 3, "unread_count": 1}
    assert send(c, "put", f"/topics/{topic.pk}/read", {"position": -1}).status_code == 422
    assert send(c, "put", f"/topics/{topic.pk}/follow", {"level": "muted"}).json() == {"level": "muted"}
    assert TopicFollow.objects.get(user=lea, topic=topic).level == "muted"
    assert send(c, "put", f"/topics/{topic.pk}/follow", {"level": "loud"}).status_code == 422
    assert send(c, "put", f"/spaces/{space.slug}/follow", {"level": "watching"}).json() == {
        "level": "watching"
    }
    assert client_for(None).get(f"{API}/topics/{topic.pk}/read").status_code == 404


def test_moderation_and_move(
    client_for: Any, member: Any, moderator: Any, space: Space, public_space: Space
) -> None:
    topic = start_topic(member, space)
    mod = client_for(moderator)
    assert send(mod, "post", f"/topics/{topic.pk}/moderation", {"op": "lock"}).json()["locked"] is True
    assert (
        send(mod, "post", f"/topics/{topic.pk}/moderation", {"op": "pin", "scope": "site"}).json()["pinned"]
        == "site"
    )
    assert send(mod, "post", f"/topics/{topic.pk}/moderation", {"op": "nuke"}).status_code == 422
    assert (
        send(client_for(member), "post", f"/topics/{topic.pk}/moderation", {"op": "unlock"}).status_code
        == 403
    )
    moved = send(mod, "post", f"/topics/{topic.pk}/move", {"space": public_space.slug})
    assert moved.status_code == 200 and moved.json()["space"] == public_space.slug


def test_draft(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    c = client_for(member)
    assert send(c, "put", f"/topics/{topic.pk}/draft", {"body": "later"}).status_code == 204
    from townhall.discussions.models import Draft

    assert Draft.objects.get().body == "later"


def test_read_only_token_cannot_write(member: Any, space: Space, client: Any) -> None:
    from townhall.accounts import actions as account_actions
    from townhall.policy import Guardian

    _token, secret = account_actions.create_access_token(Guardian(member), member, name="ro", scope="read")
    response = client.post(
        f"{API}/topics",
        data=json.dumps({"space": space.slug, "title": "t", "body": "b"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_openapi_lists_discussion_routes(client_for: Any, member: Any) -> None:
    spec = client_for(member).get(f"{API}/openapi.json").json()
    for path in (
        "/api/v1/topics",
        "/api/v1/topics/{topic_id}/posts",
        "/api/v1/search",
        "/api/v1/spaces/{slug}/uploads",
    ):
        assert path in spec["paths"], path
