"""The embedded channel layer sweeps expired messages at most once a second, and a broadcast reaches a
stream without a detour through a database thread (both found by bench/chat_fanout.py)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from stream_client import Stream, signed_in

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.realtime import layers
from townhall.realtime.layers import InMemoryLayer


def test_the_expiry_sweep_runs_at_most_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = InMemoryLayer(expiry=60)
    sweeps: list[int] = []
    real = layers.InMemoryChannelLayer._clean_expired
    monkeypatch.setattr(
        layers.InMemoryChannelLayer, "_clean_expired", lambda self: sweeps.append(1) or real(self)
    )
    now = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: now[0])

    async def scenario() -> list[Any]:
        received = []
        for i in range(50):
            await layer.send("specific.x!a", {"type": "m", "n": i})
            received.append(await layer.receive("specific.x!a"))
        now[0] += 1.5
        await layer.send("specific.x!a", {"type": "m", "n": 50})
        received.append(await layer.receive("specific.x!a"))
        return received

    received = asyncio.run(scenario())
    assert [m["n"] for m in received] == list(range(51))  # nothing lost
    assert len(sweeps) == 2  # once at first, once more after the second passed


def test_expired_messages_are_still_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = InMemoryLayer(expiry=1)
    now = [1000.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: now[0])

    async def scenario() -> dict[str, Any]:
        await layer.send("specific.x!old", {"type": "m"})
        await layer.group_add("g", "specific.x!old")
        layer.channels["specific.x!old"]._queue[0] = (0.0, {"type": "m"})  # long expired
        now[0] += 5
        await layer.send("specific.x!new", {"type": "fresh"})
        return await layer.receive("specific.x!new")

    assert asyncio.run(scenario()) == {"type": "fresh"}
    assert "specific.x!old" not in layer.channels
    assert "specific.x!old" not in layer.groups.get("g", {})


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_reaches_the_stream_without_closing_old_connections_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    testing.make_community()
    reader = testing.make_member("rui")
    writer = testing.make_member("lea")
    space = testing.make_space("Gear talk", members=[reader, writer])
    topic = actions.create_topic(Guardian(writer), space, title="Dew shields", body="Any tips?")
    session_key = signed_in(reader)
    hops: list[str] = []

    async def counted() -> None:
        hops.append("close_old_connections")

    monkeypatch.setattr("channels.consumer.aclose_old_connections", counted)

    async def scenario() -> tuple[dict[str, Any], list[str]]:
        stream = Stream(session_key)
        connected, _ = await stream.connect()
        assert connected
        hops.clear()
        await sync_to_async(actions.create_post)(Guardian(writer), topic, body="A heater strip.")
        frame: dict[str, Any] = await stream.receive_json_from(timeout=5)
        while_open = list(hops)
        await stream.disconnect()  # other messages (this one) still close old connections first
        await sync_to_async(connections.close_all)()
        return frame, while_open

    frame, while_open = asyncio.run(scenario())
    assert frame["op"] == "post_created"
    assert while_open == []
    assert hops == ["close_old_connections"]


def test_a_send_from_another_thread_wakes_the_waiting_stream_at_once() -> None:
    """The streams' loop is idle (nothing else would wake it); a broadcast from another thread, as the
    embedded task worker sends them, must still arrive at once."""
    layer = InMemoryLayer()
    got: list[tuple[dict[str, Any], float]] = []
    waiting = threading.Event()

    def streams_loop() -> None:
        async def wait() -> None:
            await layer.group_add("space.1", "specific.x!tab")
            waiting.set()
            message = await layer.receive("specific.x!tab")
            got.append((message, time.monotonic()))

        asyncio.run(wait())

    home = threading.Thread(target=streams_loop)
    home.start()
    assert waiting.wait(5)
    time.sleep(0.05)  # the stream is parked in receive()
    sent_at = time.monotonic()
    asyncio.run(layer.group_send("space.1", {"type": "broadcast", "n": 1}))  # another thread, another loop
    home.join(5)
    assert not home.is_alive(), "the waiting stream never woke up"
    message, at = got[0]
    assert message == {"type": "broadcast", "n": 1}
    assert at - sent_at < 0.5


def test_a_group_send_reaches_every_member_once_and_a_full_queue_misses_only_its_own() -> None:
    layer = InMemoryLayer(capacity=2)

    async def scenario() -> dict[str, list[Any]]:
        for name in ("a", "b", "c"):
            await layer.group_add("space.1", f"specific.x!{name}")
        for _ in range(2):  # c's queue is full before the broadcast
            await layer.send("specific.x!c", {"type": "older"})
        await layer.group_send("space.1", {"type": "broadcast", "payload": {"op": "created"}})
        got: dict[str, list[Any]] = {}
        for name in ("a", "b", "c"):
            got[name] = []
            while layer.channels.get(f"specific.x!{name}") is not None:
                got[name].append(await layer.receive(f"specific.x!{name}"))
        return got

    got = asyncio.run(scenario())
    assert got["a"] == got["b"] == [{"type": "broadcast", "payload": {"op": "created"}}]
    assert got["c"] == [{"type": "older"}, {"type": "older"}]
