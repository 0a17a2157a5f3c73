"""The channel layer failing (Redis down or stuck) never fails a write, and an open stream that loses it
closes with 1013 so the page says live updates are paused and reconnects. (With a real Redis and two
server processes: test_redis_processes.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections, transaction
from stream_client import Stream, signed_in

import factories as testing
from townhall.realtime import publish as realtime_publish
from townhall.realtime.models import LoggedBroadcast
from townhall.realtime.publish import publish_on_commit, space_group

PINNED = {"type": "topic", "op": "pinned", "topic_id": 1}


class Broken:
    """A channel layer whose sends fail (`hang`: never answer)."""

    def __init__(self, *, hang: bool = False) -> None:
        self.hang = hang

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self.hang:
            await asyncio.sleep(3600)
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hang", [False, True], ids=["refused", "stuck"])
def test_a_write_commits_and_logs_its_broadcast_when_the_layer_fails(
    hang: bool, monkeypatch: pytest.MonkeyPatch, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.STREAM_SEND_TIMEOUT = 0.2
    monkeypatch.setattr(realtime_publish, "get_channel_layer", lambda: Broken(hang=hang))
    with transaction.atomic():
        publish_on_commit([space_group(1), space_group(2)], PINNED)  # delivered after the commit: fails
    row = LoggedBroadcast.objects.get()
    assert row.payload == PINNED
    assert f"broadcast {row.pk} to space.1, space.2 not sent" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_open_stream_that_loses_its_layer_closes_with_1013(monkeypatch: pytest.MonkeyPatch) -> None:
    testing.make_community()
    key = signed_in(testing.make_member("rui"))

    async def scenario() -> None:
        stream = Stream(key)
        assert (await stream.connect())[0]
        layer = get_channel_layer()

        async def lost(channel: str) -> Any:
            raise ConnectionError("Connection closed by server.")

        monkeypatch.setattr(layer, "receive", lost)
        await stream.send_frame({"type": "heartbeat"})  # wakes the loop; the pong cannot come back
        assert await stream.wait_closed(5) == 1013
        await stream.send_input({"type": "websocket.disconnect", "code": 1013})
        await stream.wait(5)
        await sync_to_async(connections.close_all)()

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_a_stream_cannot_open_without_its_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    testing.make_community()
    key = signed_in(testing.make_member("rui"))

    async def scenario() -> None:
        layer = get_channel_layer()

        async def refused(group: str, channel: str) -> None:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(layer, "group_add", refused)
        stream = Stream(key)
        assert await stream.connect() == (False, 1013)  # refused at the handshake: try again later
        await stream.wait(5)
        await sync_to_async(connections.close_all)()

    asyncio.run(scenario())
