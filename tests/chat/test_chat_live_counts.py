"""Counts that stay right while pages are open: the open channel marks what arrived live as read (page
and API), the sidebar comes alone for a page to refresh its counts, the API lists who is online, and a
message sent while the channel layer is down is stored and answered as usual."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache

from townhall.chat import actions
from townhall.chat.models import ChannelRead, Message
from townhall.policy import Guardian
from townhall.realtime import presence
from townhall.realtime import publish as realtime_publish
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def read_up_to(user: Any, space: Space) -> int:
    row = ChannelRead.objects.filter(user=user, space=space).first()
    return row.last_read_id if row else 0


def test_the_open_channel_marks_messages_that_arrived_live_as_read(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, broadcasts: list[Any], committed: Any
) -> None:
    client = client_for(member)
    client.get("/s/lounge/")
    message = actions.send_message(Guardian(newcomer), lounge, body="Saturn's rings are wide open!")
    with committed():
        assert client.post("/s/lounge/chat/read/", {"up_to": message.pk}, **HX).status_code == 204
    assert read_up_to(member, lounge) == message.pk
    assert (
        [f"user.{member.pk}"],
        {"type": "chat", "op": "read", "space_id": lounge.pk, "message_id": message.pk},
    ) in broadcasts
    # Never backwards; a bad id changes nothing; a plain POST goes back to the channel.
    assert client.post("/s/lounge/chat/read/", {"up_to": 1}, **HX).status_code == 204
    assert client.post("/s/lounge/chat/read/", {"up_to": "soon"}, **HX).status_code == 204
    plain = client.post("/s/lounge/chat/read/", {"up_to": message.pk})
    assert plain.status_code == 302 and plain["Location"] == "/s/lounge/"
    assert read_up_to(member, lounge) == message.pk


def test_marking_read_is_for_readers_signed_in_with_a_post(
    client_for: Any, member: Any, outsider: Any, lounge: Space
) -> None:
    assert client_for(outsider).post("/s/lounge/chat/read/", {"up_to": 1}, **HX).status_code == 404
    assert client_for(None).post("/s/lounge/chat/read/", {"up_to": 1}).status_code == 302  # log in
    assert client_for(member).get("/s/lounge/chat/read/").status_code == 405


def test_the_api_marks_read_too(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(newcomer), lounge, body="Clouds rolling in from the west.")
    send = lambda c, body: c.post(  # noqa: E731
        "/api/v1/spaces/lounge/read", json.dumps(body), content_type="application/json"
    )
    assert send(client_for(member), {"up_to": message.pk}).status_code == 204
    assert read_up_to(member, lounge) == message.pk
    bad = send(client_for(member), {"up_to": "x"})
    assert bad.status_code == 422 and bad.json()["message"]
    assert send(client_for(outsider), {"up_to": message.pk}).status_code == 404


def test_the_sidebar_comes_alone_with_the_readers_counts(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    client = client_for(member)
    actions.send_message(Guardian(newcomer), lounge, body="First light tonight?")
    client.get("/s/lounge/")  # read up to here
    actions.send_message(Guardian(newcomer), lounge, body="Who has a spare T-adapter?")
    fragment = client.get("/sidebar/", **HX)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    assert html.lstrip().startswith('<nav aria-label="Your spaces">') and "<html" not in html
    assert '<span class="unread-count">1<span class="visually-hidden"> unread message</span>' in html
    assert client.get("/sidebar/").status_code == 302  # without htmx: the space list
    assert client_for(None).get("/sidebar/", **HX).status_code == 302  # log in first


def test_the_api_says_who_in_a_channel_is_online(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, outsider: Any, lounge: Space
) -> None:
    cache.clear()
    presence.touch(newcomer.pk, "tab-1")
    presence.touch(space_moderator.pk, "tab-2", "away")
    people = client_for(member).get("/api/v1/spaces/lounge/presence").json()["people"]
    states = {p["username"]: p["state"] for p in people}
    assert states[newcomer.username] == "online" and states[space_moderator.username] == "away"
    assert states[member.username] == "offline" and people[0]["username"] == newcomer.username
    assert client_for(outsider).get("/api/v1/spaces/lounge/presence").status_code == 404


class Refused:
    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_message_sent_while_the_layer_is_down_is_stored_and_answered(
    client_for: Any, member: Any, lounge: Space, monkeypatch: pytest.MonkeyPatch, committed: Any
) -> None:
    monkeypatch.setattr(realtime_publish, "get_channel_layer", lambda: Refused())
    client = client_for(member)
    with committed():
        page = client.post("/s/lounge/chat/send/", {"body": "Is the stream down?", "client_key": "k1"}, **HX)
    assert page.status_code == 200 and "Is the stream down?" in page.content.decode()
    with committed():
        api = client.post(
            "/api/v1/spaces/lounge/messages",
            json.dumps({"body": "Still here.", "client_key": "k2"}),
            content_type="application/json",
        )
    assert api.status_code == 201
    assert list(Message.objects.filter(space=lounge).values_list("body", flat=True).order_by("pk")) == [
        "Is the stream down?",
        "Still here.",
    ]
