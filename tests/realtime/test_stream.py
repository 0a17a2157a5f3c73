"""The member's stream (/ws/stream/) through the real ASGI app: who may connect, and which broadcasts arrive."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers
from django.db import connections
from django.test import Client

import factories as testing
from townhall.asgi import application
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_layer() -> None:
    channel_layers.backends.clear()  # a layer bound to no earlier test's event loop


class Stream(ApplicationCommunicator):  # type: ignore[misc]
    """A browser's WebSocket to /ws/stream/, driven through the ASGI app (the raw ASGI messages)."""

    def __init__(self, session_key: str | None) -> None:
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
        if session_key is not None:
            headers.append((b"cookie", f"sessionid={session_key}".encode()))
        scope = {"type": "websocket", "path": "/ws/stream/", "headers": headers, "subprotocols": []}
        super().__init__(application, scope)

    async def connect(self) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(5)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def receive_json_from(self, timeout: float) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def _signed_in(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)


def test_visitors_are_turned_away() -> None:
    async def scenario() -> tuple[bool, Any]:
        stream = Stream(None)
        connected, code = await stream.connect()
        await stream.disconnect()
        return connected, code

    connected, code = asyncio.run(scenario())
    assert not connected and code == 4401


def test_a_member_hears_about_topics_in_spaces_they_read_and_nothing_else() -> None:
    testing.make_community()
    reader = testing.make_member("rui")
    writer = testing.make_member("lea")
    shared = testing.make_space("Gear talk", members=[reader, writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic = actions.create_topic(Guardian(writer), shared, title="Dew shields", body="Any tips?")
    secret = actions.create_topic(Guardian(writer), closed, title="Plans", body="Not for everyone.")

    session_key = _signed_in(reader)

    async def scenario() -> tuple[Any, int]:
        stream = Stream(session_key)
        connected, _ = await stream.connect()
        assert connected
        await sync_to_async(actions.create_post)(Guardian(writer), secret, body="Still secret.")
        post = await sync_to_async(actions.create_post)(Guardian(writer), topic, body="A heater strip.")
        frame = await stream.receive_json_from(timeout=5)  # the private space's reply never comes first
        assert await stream.receive_nothing(timeout=0.3)
        await stream.disconnect()
        await sync_to_async(connections.close_all)()  # the consumer's thread keeps its connection otherwise
        return frame, post.pk

    frame, post_id = asyncio.run(scenario())
    assert frame == {"type": "topic", "op": "post_created", "topic_id": topic.pk, "post_id": post_id}
