"""Direct conversations and blocks under /api/v1/: the same actions as the pages, JSON in and out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from direct_testing import block, dm, say
from django.test import Client

import factories as testing
from townhall.accounts.actions import create_access_token
from townhall.accounts.models import Block
from townhall.policy import Guardian
from townhall.spaces.models import SpaceMembership

pytestmark = pytest.mark.django_db


def _send(c: Client, method: str, url: str, body: Any = None) -> Any:
    return getattr(c, method)(url, data=json.dumps(body or {}), content_type="application/json")


def test_start_list_and_read_a_conversation(client_for: Any, member: Any, newcomer: Any) -> None:
    c = client_for(member)
    started = _send(
        c, "post", "/api/v1/conversations", {"to": ["nina"], "body": "Clear skies?", "client_key": "k1"}
    )
    assert started.status_code == 201
    body = started.json()
    assert body["title"] == "Nina Newcomer" and body["group"] is False and body["preview"] == "Clear skies?"
    assert _send(c, "post", "/api/v1/conversations", {"to": ["@NINA"]}).json()["slug"] == body["slug"]
    listed = client_for(newcomer).get("/api/v1/conversations").json()
    assert [(x["slug"], x["unread"], x["title"]) for x in listed] == [(body["slug"], 1, "Max Member")]
    messages = client_for(newcomer).get(f"/api/v1/spaces/{body['slug']}/messages").json()["items"]
    assert [m["body"] for m in messages] == ["Clear skies?"]
    reply = _send(client_for(newcomer), "post", f"/api/v1/spaces/{body['slug']}/messages", {"body": "Yes!"})
    assert reply.status_code == 201
    assert client_for(member).get(f"/api/v1/conversations/{body['slug']}").json()["people"] == [
        {"username": "nina", "name": "Nina Newcomer"}
    ]


def test_groups_add_rename_and_leave(client_for: Any, member: Any, newcomer: Any, moderator: Any) -> None:
    c = client_for(member)
    group = _send(c, "post", "/api/v1/conversations", {"to": ["nina"], "group": True}).json()
    assert group["group"] is True
    slug = group["slug"]
    added = _send(c, "post", f"/api/v1/conversations/{slug}/people", {"username": "mona"})
    assert added.status_code == 201 and len(added.json()["people"]) == 2
    again = _send(c, "post", f"/api/v1/conversations/{slug}/people", {"username": "mona"})
    assert (
        again.status_code == 403
        and again.json()["message"] == "Mona Moderator is already in this conversation."
    )
    renamed = _send(c, "put", f"/api/v1/conversations/{slug}/name", {"name": "Star party"})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Star party"
    too_long = _send(c, "put", f"/api/v1/conversations/{slug}/name", {"name": "x" * 81})
    assert too_long.status_code == 422
    assert _send(c, "post", f"/api/v1/conversations/{slug}/leave").status_code == 204
    assert c.get(f"/api/v1/conversations/{slug}").status_code == 404
    assert not SpaceMembership.objects.filter(user=member, space__slug=slug).exists()


def test_refusals_are_clear_json_errors(client_for: Any, member: Any, newcomer: Any, pending: Any) -> None:
    c = client_for(member)
    unknown = _send(c, "post", "/api/v1/conversations", {"to": ["ghost"]})
    assert unknown.status_code == 422 and unknown.json()["message"] == "No member is called @ghost."
    assert _send(c, "post", "/api/v1/conversations", {"to": []}).status_code == 422
    refused = _send(c, "post", "/api/v1/conversations", {"to": ["pat"]})
    assert (
        refused.status_code == 403
        and refused.json()["message"] == "Pat Pending cannot receive direct messages right now."
    )
    block(newcomer, member)
    blocked = _send(c, "post", "/api/v1/conversations", {"to": ["nina"]})
    assert blocked.status_code == 403


def test_a_conversation_answers_exactly_like_a_missing_one(
    client_for: Any, member: Any, newcomer: Any, admin: Any
) -> None:
    space = dm(member, newcomer)
    say(member, space, "private")
    c = client_for(admin)
    unseen = c.get(f"/api/v1/conversations/{space.slug}")
    missing = c.get("/api/v1/conversations/dm-0-0")
    assert unseen.status_code == missing.status_code == 404 and unseen.json() == missing.json()
    assert c.get(f"/api/v1/spaces/{space.slug}/messages").status_code == 404
    assert _send(c, "post", f"/api/v1/spaces/{space.slug}/messages", {"body": "hi"}).status_code == 404
    assert _send(c, "post", f"/api/v1/conversations/{space.slug}/leave").status_code == 404
    assert c.get("/api/v1/conversations").json() == []


def test_signed_out_callers_and_read_tokens(client: Any, member: Any, newcomer: Any) -> None:
    assert client.get("/api/v1/conversations").status_code == 401
    _token, secret = create_access_token(Guardian(member), member, name="reader", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/conversations", **auth).status_code == 200
    write = client.post(
        "/api/v1/conversations", data=json.dumps({"to": ["nina"]}), content_type="application/json", **auth
    )
    assert write.status_code == 403


def test_block_and_unblock(client_for: Any, member: Any, newcomer: Any) -> None:
    c = client_for(member)
    assert c.put("/api/v1/members/nina/block").json() == {"username": "nina", "name": "Nina Newcomer"}
    assert Block.objects.filter(blocker=member, blocked=newcomer).exists()
    assert c.get("/api/v1/me/blocks").json() == [{"username": "nina", "name": "Nina Newcomer"}]
    assert c.put("/api/v1/members/max/block").status_code == 403
    assert c.put("/api/v1/members/ghost/block").status_code == 404
    assert c.delete("/api/v1/members/nina/block").status_code == 204
    assert not Block.objects.exists()


def test_a_blocked_authors_message_has_no_body_for_the_blocker(
    client_for: Any, member: Any, newcomer: Any, moderator: Any
) -> None:
    group = dm(member, newcomer, moderator)
    say(newcomer, group, "hidden from max")
    block(member, newcomer)
    items = client_for(member).get(f"/api/v1/spaces/{group.slug}/messages").json()["items"]
    assert [m["body"] for m in items] == [None]
    assert client_for(moderator).get(f"/api/v1/spaces/{group.slug}/messages").json()["items"][0]["body"]


def test_the_spaces_api_does_not_list_conversations(client_for: Any, member: Any, newcomer: Any) -> None:
    testing.make_space("Lounge", members=[member])
    space = dm(member, newcomer)
    slugs = [s["slug"] for s in client_for(member).get("/api/v1/spaces").json()["items"]]
    assert slugs == ["lounge"] and space.slug not in slugs


def test_the_dm_preference(client_for: Any, member: Any, newcomer: Any) -> None:
    c = client_for(newcomer)
    answer = _send(c, "put", "/api/v1/me/dm-preference", {"contacts_only": True})
    assert answer.status_code == 200 and answer.json() == {"contacts_only": True}
    refused = _send(client_for(member), "post", "/api/v1/conversations", {"to": ["nina"]})
    assert (
        refused.json()["message"]
        == "Nina Newcomer only accepts direct messages from people they already talk to."
    )
    assert _send(c, "put", "/api/v1/me/dm-preference", {"contacts_only": "maybe"}).status_code == 422
