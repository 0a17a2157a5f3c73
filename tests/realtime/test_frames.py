"""Frames from the page: heartbeats and typing are taken; anything else gets a typed error frame, and the
socket and the data stay intact (the same socket still answers and still hears broadcasts)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from stream_client import Frame, Stream, signed_in

import factories as testing
from townhall.realtime.models import LoggedBroadcast
from townhall.realtime.publish import publish, user_group
from townhall.spaces.models import Space

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
def people(db: None) -> dict[str, Any]:
    testing.make_community()
    return {"reader": testing.make_member("rui"), "writer": testing.make_member("lea")}


async def open_stream(user: Any) -> Stream:
    stream = Stream(await sync_to_async(signed_in)(user))
    assert (await stream.connect())[0]
    return stream


async def answer(stream: Stream, frame: Any) -> Frame:
    """Send `frame`; the first frame the stream sends back."""
    await stream.send_frame(frame)
    found, frames = await stream.frames_until(lambda f: True, ARRIVES)
    assert found, "no answer"
    return frames[0]


async def still_intact(stream: Stream, user: Any, marker: int) -> None:
    """The socket answers a heartbeat, and a broadcast still reaches it."""
    assert await answer(stream, {"type": "heartbeat"}) == PONG
    await sync_to_async(publish)([user_group(user.pk)], {"type": "topic", "op": "pinned", "topic_id": marker})
    found, _ = await stream.frames_until(lambda f: f.get("topic_id") == marker, ARRIVES)
    assert found


BAD = [
    ("{not json", "bad_json"),
    ("", "bad_json"),
    ("[1, 2]", "bad_frame"),
    ('"heartbeat"', "bad_frame"),
    ("42", "bad_frame"),
    ("null", "bad_frame"),
    ('{"op": "start"}', "bad_frame"),
    ('{"type": 7}', "bad_frame"),
    ('{"type": "resume", "after": 3}', "unknown_type"),
    ('{"type": "post", "body": "hello"}', "unknown_type"),
    ('{"type": "heartbeat", "state": "asleep"}', "bad_frame"),
    ('{"type": "heartbeat", "user_id": 1}', "bad_frame"),
    ('{"type": "typing", "op": "start"}', "bad_frame"),
    ('{"type": "typing", "op": "start", "space_id": "3"}', "bad_frame"),
    ('{"type": "typing", "op": "start", "space_id": true}', "bad_frame"),
    ('{"type": "typing", "op": "start", "space_id": -1}', "bad_frame"),
    ('{"type": "typing", "op": "start", "space_id": 99999999999999999999999}', "bad_frame"),
    ('{"type": "typing", "op": "shout", "space_id": 3}', "bad_frame"),
    ('{"type": "typing", "op": "start", "space_id": 3, "user_id": 1}', "bad_frame"),
    (b"\x00\x01binary", "bad_frame"),
    ('{"type": "heartbeat", "pad": "' + "x" * 5000 + '"}', "too_large"),
    ('{"type": "heartbeat", "pad": "' + "é" * 2100 + '"}', "too_large"),  # < 4096 characters, > 4096 bytes
]


def test_each_bad_frame_gets_a_typed_error_and_the_socket_stays(people: dict[str, Any]) -> None:
    reader = people["reader"]

    async def scenario() -> None:
        stream = await open_stream(reader)
        for n, (frame, code) in enumerate(BAD):
            got = await answer(stream, frame)
            assert got["type"] == "error" and got["code"] == code, (frame[:60], got)
            assert set(got) == {"type", "code", "message"} and got["message"].endswith(".")
            if n % 6 == 0:
                await still_intact(stream, reader, n)
        await still_intact(stream, reader, 1000)
        await stream.disconnect()

    run(scenario)


def test_a_flood_is_limited_with_one_error_and_the_socket_stays(
    people: dict[str, Any], settings: Any
) -> None:
    settings.STREAM_FRAME_RATE = (10, 5.0)
    reader = people["reader"]

    async def scenario() -> None:
        stream = await open_stream(reader)
        for _ in range(200):
            await stream.send_frame({"type": "heartbeat"})
        _, frames = await stream.frames_until(lambda f: False, 1.0)
        errors = [f for f in frames if f["type"] == "error"]
        pongs = [f for f in frames if f == PONG]
        assert {f["code"] for f in errors} == {"rate_limited"}
        assert 10 <= len(pongs) < 60  # the burst, and what refilled while it ran (5 a second)
        # Said once per run of refused frames, not once per frame: a second error needs a frame let
        # through first, which only a refill (on a slow machine, during the flood) gives.
        assert 1 <= len(errors) <= 1 + len(pongs) - 10
        assert len(errors) * 10 < 200 - len(pongs)
        await asyncio.sleep(0.5)
        await still_intact(stream, reader, 1)
        await stream.disconnect()

    run(scenario)


# --- typing -------------------------------------------------------------------------------------------
def test_typing_reaches_the_spaces_readers_unlogged_and_not_the_typist(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Gear talk", members=[reader, writer])
    other = testing.make_space("Elsewhere", visibility=Space.PRIVATE, members=[writer])
    logged = LoggedBroadcast.objects.count()

    async def scenario() -> None:
        listening, typing = await open_stream(reader), await open_stream(writer)
        await typing.send_frame({"type": "typing", "op": "start", "space_id": space.pk})
        await typing.send_frame({"type": "typing", "op": "start", "space_id": other.pk})
        await typing.send_frame({"type": "typing", "op": "stop", "space_id": space.pk})
        _, heard = await listening.frames_until(lambda f: f.get("op") == "stop", ARRIVES)
        assert heard == [
            {"type": "typing", "op": "start", "space_id": space.pk, "user_id": writer.pk},
            {"type": "typing", "op": "stop", "space_id": space.pk, "user_id": writer.pk},
        ]  # no seq, and nothing of the space the reader cannot read
        assert await typing.receive_nothing(0.3)  # one's own typing does not come back
        assert await sync_to_async(LoggedBroadcast.objects.count)() == logged
        await listening.disconnect()
        await typing.disconnect()

    run(scenario)


def test_typing_where_one_may_not_post_is_refused_like_the_guardian_says(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    secret = testing.make_space("Council", visibility=Space.SECRET, members=[reader])
    announcements = testing.make_space("News", posting=Space.MODERATORS, members=[reader, writer])

    async def scenario() -> None:
        listening, typing = await open_stream(reader), await open_stream(writer)
        for space_id in (secret.pk, 987654):  # unseen answers like missing
            got = await answer(typing, {"type": "typing", "op": "start", "space_id": space_id})
            assert got == {"type": "error", "code": "not_found", "message": "Not found."}
        got = await answer(typing, {"type": "typing", "op": "start", "space_id": announcements.pk})
        assert got == {"type": "error", "code": "forbidden", "message": "Only moderators post in this space."}
        assert await listening.receive_nothing(0.3)
        await still_intact(typing, writer, 5)
        await listening.disconnect()
        await typing.disconnect()

    run(scenario)


def test_typing_is_rate_limited_per_socket(people: dict[str, Any], settings: Any) -> None:
    settings.STREAM_TYPING_RATE = (3, 0.5)
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Gear talk", members=[reader, writer])

    async def scenario() -> None:
        listening, typing = await open_stream(reader), await open_stream(writer)
        for _ in range(10):
            await typing.send_frame({"type": "typing", "op": "start", "space_id": space.pk})
        _, back = await typing.frames_until(lambda f: False, 0.5)
        assert {f["code"] for f in back} == {"rate_limited"}
        _, heard = await listening.frames_until(lambda f: False, 0.5)
        relayed = len([f for f in heard if f["type"] == "typing"])
        assert relayed + len(back) == 10 and 3 <= relayed <= 4  # the burst (and one refilled, if slow)
        await still_intact(typing, writer, 9)
        await listening.disconnect()
        await typing.disconnect()

    run(scenario)


def test_a_block_hides_typing_and_presence_frames_both_ways_and_unblocking_shows_them_again(
    people: dict[str, Any],
) -> None:
    from townhall.accounts import actions as account_actions
    from townhall.policy import Guardian
    from townhall.realtime.publish import publish_ephemeral, space_group

    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Gear talk", members=[reader, writer])

    def presence_of(user: Any) -> dict[str, Any]:
        return {"type": "presence", "op": "online", "user_id": user.pk}

    async def scenario() -> None:
        listening, typing = await open_stream(reader), await open_stream(writer)
        start = {"type": "typing", "op": "start", "space_id": space.pk}
        await typing.send_frame(start)
        found, _ = await listening.frames_until(lambda f: f.get("type") == "typing", ARRIVES)
        assert found  # before the block: heard
        for stream in (listening, typing):  # what came before the block (each one's coming online)
            await stream.frames_until(lambda f: False, 0.3)

        await sync_to_async(account_actions.block_member)(Guardian(reader), writer)
        await asyncio.sleep(0.3)  # the streams re-subscribe (forgetting what they knew) after the commit
        await typing.send_frame(start)
        await sync_to_async(publish_ephemeral)([space_group(space.pk)], presence_of(writer))
        await sync_to_async(publish_ephemeral)([space_group(space.pk)], presence_of(reader))
        _, heard = await listening.frames_until(lambda f: False, 0.5)
        assert [f for f in heard if f.get("user_id") == writer.pk] == []  # the blocker hears nothing of them
        assert {"type": "presence", "op": "online", "user_id": reader.pk} in heard  # (one's own, yes)
        _, heard = await typing.frames_until(lambda f: False, 0.5)
        assert [f for f in heard if f.get("user_id") == reader.pk] == []  # nor the blocked of the blocker

        await sync_to_async(account_actions.unblock_member)(Guardian(reader), writer)
        await asyncio.sleep(0.3)
        await typing.send_frame(start)
        found, _ = await listening.frames_until(lambda f: f.get("type") == "typing", ARRIVES)
        assert found  # heard again at once, not after a cache expires
        await listening.disconnect()
        await typing.disconnect()

    run(scenario)
