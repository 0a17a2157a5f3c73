"""Presence: online while a stream is open, away when every tab says so, offline when the last one closes
or stops beating; kept in the cache with a TTL; apps hide it and hear its changes through registries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connections
from stream_client import Stream, signed_in

import factories as testing
from townhall.realtime import presence
from townhall.realtime.publish import publish, publish_ephemeral, space_group
from townhall.realtime.schemas import BadBroadcast

pytestmark = pytest.mark.django_db(transaction=True)

ARRIVES = 5.0
PONG = {"type": "stream", "op": "pong"}


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        try:
            await scenario()
        finally:
            await sync_to_async(connections.close_all)()

    asyncio.run(main())


@pytest.fixture
def changes() -> Iterator[list[tuple[int, str]]]:
    heard: list[tuple[int, str]] = []
    presence.on_change(lambda user_id, state: heard.append((user_id, state)), name="test")
    yield heard
    presence.unregister("test")


async def state_of(user: Any) -> str:
    return (await sync_to_async(presence.of)([user.pk]))[user.pk]


async def beat(stream: Stream, state: str) -> None:
    await stream.send_frame({"type": "heartbeat", "state": state})
    found, frames = await stream.frames_until(lambda f: f == PONG, ARRIVES)
    assert found, frames


def test_presence_follows_the_streams_of_a_person(changes: list[tuple[int, str]]) -> None:
    testing.make_community()
    ana = testing.make_member("ana")
    key = signed_in(ana)

    async def scenario() -> None:
        assert await state_of(ana) == "offline"
        first = Stream(key)
        assert (await first.connect())[0]
        assert await state_of(ana) == "online"
        second = Stream(key)
        assert (await second.connect())[0]
        await beat(first, "away")
        assert await state_of(ana) == "online"  # the other tab is still in front
        await beat(second, "away")
        assert await state_of(ana) == "away"
        await beat(second, "online")
        assert await state_of(ana) == "online"
        await first.disconnect()
        assert await state_of(ana) == "online"
        await second.disconnect()
        assert await state_of(ana) == "offline"

    run(scenario)
    assert changes == [(ana.pk, "online"), (ana.pk, "away"), (ana.pk, "online"), (ana.pk, "offline")]


def test_a_stream_that_stops_beating_expires(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.STREAM_PRESENCE_TTL = 70
    now = [1_000_000.0]
    monkeypatch.setattr(presence.time, "time", lambda: now[0])
    presence.touch(7, "tab-1")
    presence.touch(8, "tab-2", "away")
    assert presence.of([7, 8, 9]) == {7: "online", 8: "away", 9: "offline"}
    now[0] += 69
    presence.touch(8, "tab-2", "away")  # a heartbeat renews it
    now[0] += 2
    assert presence.of([7, 8]) == {7: "offline", 8: "away"}  # a laptop closed without a goodbye
    presence.touch(7, "tab-3")
    assert presence.of([7]) == {7: "online"}


def test_hidden_presence_reads_as_offline_for_that_viewer() -> None:
    presence.touch(1, "a")
    presence.touch(2, "b")
    presence.hide_with(lambda viewer, ids: {2} if viewer != 2 else set(), name="test")
    try:
        assert presence.of([1, 2], viewer_id=5) == {1: "online", 2: "offline"}
        assert presence.of([1, 2], viewer_id=2) == {1: "online", 2: "online"}
    finally:
        presence.unregister("test")
    assert presence.of([2], viewer_id=5) == {2: "online"}


def test_presence_never_fails_when_the_cache_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "get_many", down)
    assert presence.touch(1, "a") == ("offline", "offline")
    assert presence.leave(1, "a") == ("offline", "offline")
    assert presence.of([1]) == {1: "offline"}


def test_a_listener_chooses_the_audience_and_sends_the_presence_frame(
    changes: list[tuple[int, str]], broadcasts: list
) -> None:
    """What the chat app does: on a change, send the ephemeral presence frame to whom it chooses. (Its
    own name: unregistering "chat" here took the chat app's real listener away from later tests.)"""
    presence.on_change(
        lambda user_id, state: publish_ephemeral([space_group(3)], presence.presence_frame(user_id, state)),
        name="test-audience",
    )
    try:
        presence.touch(4, "tab")
        presence.leave(4, "tab")
    finally:
        presence.unregister("test-audience")
    assert broadcasts == [
        ([space_group(3)], {"type": "presence", "op": "online", "user_id": 4}),
        ([space_group(3)], {"type": "presence", "op": "offline", "user_id": 4}),
    ]
    with pytest.raises(BadBroadcast, match="publish_ephemeral"):
        publish([space_group(3)], presence.presence_frame(4, "online"))
    with pytest.raises(BadBroadcast, match="publish or publish_on_commit"):
        publish_ephemeral([space_group(3)], {"type": "topic", "op": "pinned", "topic_id": 1})
