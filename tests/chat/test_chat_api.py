"""The chat API: the same actions as the pages, JSON in and out, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chat_testing import chat_space
from django.test import Client

from townhall.accounts.actions import create_access_token
from townhall.chat import actions
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def _send(c: Client, method: str, url: str, body: Any) -> Any:
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json")


def test_send_answers_201_and_a_retry_returns_the_same_message(
    client_for: Any, member: Any, lounge: Space
) -> None:
    c = client_for(member)
    first = _send(c, "post", "/api/v1/spaces/lounge/messages", {"body": "Hello **API**", "client_key": "r1"})
    assert first.status_code == 201
    body = first.json()
    assert body["body"] == "Hello **API**" and "<strong>API</strong>" in body["html"]
    assert body["author"] == {"username": "max", "name": "Max Member"} and body["deleted"] is False
    again = _send(c, "post", "/api/v1/spaces/lounge/messages", {"body": "Hello **API**", "client_key": "r1"})
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert Message.objects.count() == 1


def test_list_pages_back_with_a_cursor(client_for: Any, member: Any, lounge: Space) -> None:
    Message.objects.bulk_create(
        Message(space=lounge, author=member, body=f"m{i}", html="") for i in range(60)
    )
    c = client_for(member)
    page = c.get("/api/v1/spaces/lounge/messages").json()
    assert (
        len(page["items"]) == 50 and page["items"][-1]["body"] == "m59" and page["items"][0]["body"] == "m10"
    )
    earlier = c.get("/api/v1/spaces/lounge/messages", {"before": page["earlier"]}).json()
    assert [m["body"] for m in earlier["items"]] == [f"m{i}" for i in range(10)] and earlier[
        "earlier"
    ] is None


def test_edit_delete_and_restore(client_for: Any, member: Any, space_moderator: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Mars")
    c = client_for(member)
    edited = _send(c, "patch", f"/api/v1/messages/{message.pk}", {"body": "Mars and Venus"})
    assert edited.status_code == 200 and edited.json()["edited_at"] is not None
    deleted = c.delete(f"/api/v1/messages/{message.pk}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True and deleted.json()["body"] is None
    assert c.post(f"/api/v1/messages/{message.pk}/restore").status_code == 403
    restored = client_for(space_moderator).post(f"/api/v1/messages/{message.pk}/restore")
    assert restored.status_code == 200 and restored.json()["body"] == "Mars and Venus"


def test_someone_elses_message_is_403(client_for: Any, member: Any, newcomer: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="mine")
    response = _send(client_for(newcomer), "patch", f"/api/v1/messages/{message.pk}", {"body": "x"})
    assert (
        response.status_code == 403 and response.json()["message"] == "You can only edit your own messages."
    )


def test_unseen_answers_exactly_like_missing(client_for: Any, member: Any, outsider: Any) -> None:
    secret = chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    message = Message.objects.create(space=secret, author=outsider, body="x", html="x")
    c = client_for(member)
    missing = c.get("/api/v1/spaces/nowhere/messages")
    unseen = c.get("/api/v1/spaces/vault/messages")
    assert missing.status_code == unseen.status_code == 404 and missing.json() == unseen.json()
    assert _send(c, "post", "/api/v1/spaces/vault/messages", {"body": "hi"}).status_code == 404
    assert c.get(f"/api/v1/messages/{message.pk}").json() == c.get("/api/v1/messages/99999999").json()
    assert c.delete(f"/api/v1/messages/{message.pk}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"body": ""}, 422, "Write something before sending."),
        ({"body": " \n "}, 422, "Write something before sending."),
        ({"body": "x" * 10_001}, 422, "at most 10,000 characters"),
        ({"body": "x" * 30_000}, 422, "body"),
        ({"body": "a\x00b"}, 422, "NUL"),
        ({"body": "ok", "client_key": "k" * 65}, 422, "client_key"),
        ({"body": 5}, 422, "body"),
        ({}, 422, "body"),
    ],
)
def test_bad_input_is_4xx_with_a_message(
    client_for: Any, member: Any, lounge: Space, body: Any, status: int, text: str
) -> None:
    response = _send(client_for(member), "post", "/api/v1/spaces/lounge/messages", body)
    assert response.status_code == status and text in json.dumps(response.json())
    assert not Message.objects.exists()


def test_malformed_json_and_huge_ids_are_4xx(client_for: Any, member: Any, lounge: Space) -> None:
    c = client_for(member)
    bad = c.post("/api/v1/spaces/lounge/messages", data="{nope", content_type="application/json")
    assert 400 <= bad.status_code < 500
    assert c.get(f"/api/v1/messages/{2**70}").status_code == 422
    assert c.get("/api/v1/spaces/lounge/messages", {"before": "x"}).status_code == 422


def test_a_read_token_cannot_send_and_visitors_must_sign_in(member: Any, lounge: Space) -> None:
    _token, secret = create_access_token(Guardian(member), member, name="t", scope="read")
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert _send(reader, "post", "/api/v1/spaces/lounge/messages", {"body": "x"}).status_code == 403
    assert reader.get("/api/v1/spaces/lounge/messages").status_code == 200
    assert _send(Client(), "post", "/api/v1/spaces/lounge/messages", {"body": "x"}).status_code == 401


def test_pin_list_and_unpin(client_for: Any, member: Any, space_moderator: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Saturday star party")
    mod = client_for(space_moderator)
    assert client_for(member).post(f"/api/v1/messages/{message.pk}/pin").status_code == 403
    pinned = mod.post(f"/api/v1/messages/{message.pk}/pin")
    assert pinned.status_code == 201 and pinned.json()["pinned"] is True
    again = mod.post(f"/api/v1/messages/{message.pk}/pin")
    assert again.status_code == 403 and again.json()["message"] == "This message is already pinned."
    listed = client_for(member).get("/api/v1/spaces/lounge/pins")
    assert listed.status_code == 200 and [m["id"] for m in listed.json()["items"]] == [message.pk]
    assert client_for(member).delete(f"/api/v1/messages/{message.pk}/pin").status_code == 403
    unpinned = mod.delete(f"/api/v1/messages/{message.pk}/pin")
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    assert mod.delete(f"/api/v1/messages/{message.pk}/pin").status_code == 403
    assert client_for(member).get("/api/v1/spaces/lounge/pins").json() == {"items": []}


def test_pins_of_unseen_spaces_answer_like_missing(client_for: Any, member: Any, outsider: Any) -> None:
    secret = chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    message = Message.objects.create(space=secret, author=outsider, body="x", html="x")
    c = client_for(member)
    missing, unseen = c.get("/api/v1/spaces/nowhere/pins"), c.get("/api/v1/spaces/vault/pins")
    assert missing.status_code == unseen.status_code == 404 and missing.json() == unseen.json()
    assert (
        c.post(f"/api/v1/messages/{message.pk}/pin").json() == c.post("/api/v1/messages/99999999/pin").json()
    )
    assert c.post(f"/api/v1/messages/{message.pk}/pin").status_code == 404
    assert c.delete(f"/api/v1/messages/{message.pk}/pin").status_code == 404
    assert c.post(f"/api/v1/messages/{2**70}/pin").status_code == 422
    assert c.post("/api/v1/messages/x/pin").status_code in (404, 422)
    assert Client().post(f"/api/v1/messages/{message.pk}/pin").status_code == 401


def test_get_and_set_the_topic(client_for: Any, member: Any, space_moderator: Any, lounge: Space) -> None:
    assert client_for(member).get("/api/v1/spaces/lounge/topic").json() == {"topic": ""}
    refused = _send(client_for(member), "put", "/api/v1/spaces/lounge/topic", {"topic": "mine"})
    assert (
        refused.status_code == 403
        and refused.json()["message"] == "Only this space's moderators can set the topic."
    )
    saved = _send(
        client_for(space_moderator), "put", "/api/v1/spaces/lounge/topic", {"topic": " Meteors <tonight> "}
    )
    assert saved.status_code == 200 and saved.json() == {"topic": "Meteors <tonight>"}
    assert client_for(member).get("/api/v1/spaces/lounge/topic").json() == {"topic": "Meteors <tonight>"}


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"topic": "x" * 201}, "at most 200 characters"),
        ({"topic": "x" * 5000}, "topic"),
        ({"topic": "a\x00b"}, "NUL"),
        ({"topic": 5}, "topic"),
        ({}, "topic"),
    ],
)
def test_a_bad_topic_is_422(
    client_for: Any, space_moderator: Any, lounge: Space, body: Any, text: str
) -> None:
    response = _send(client_for(space_moderator), "put", "/api/v1/spaces/lounge/topic", body)
    assert response.status_code == 422 and text in json.dumps(response.json())


def test_the_topic_of_an_unseen_space_answers_like_missing(
    client_for: Any, member: Any, outsider: Any
) -> None:
    chat_space("Vault", visibility=Space.SECRET, members=[outsider])
    c = client_for(member)
    missing, unseen = c.get("/api/v1/spaces/nowhere/topic"), c.get("/api/v1/spaces/vault/topic")
    assert missing.status_code == unseen.status_code == 404 and missing.json() == unseen.json()
    put_missing = _send(c, "put", "/api/v1/spaces/nowhere/topic", {"topic": "x"})
    put_unseen = _send(c, "put", "/api/v1/spaces/vault/topic", {"topic": "x"})
    assert (
        put_missing.status_code == put_unseen.status_code == 404 and put_missing.json() == put_unseen.json()
    )
    assert _send(Client(), "put", "/api/v1/spaces/lounge/topic", {"topic": "x"}).status_code == 401
