"""Never lose a broadcast: each one is logged in its transaction and carries its sequence number; a stream
that reconnects with `?after=<seq>` gets, in order, everything it missed that its person may read now,
then goes live without a gap or a duplicate; a page too far behind is told to reset.

Real sockets through the ASGI app, real actions, real commits (transactional tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stream_client import Frame, Stream, is_live, signed_in

import factories as testing
from townhall.discussions import actions as discussion_actions
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.realtime import log, tasks
from townhall.realtime.models import LoggedBroadcast
from townhall.realtime.publish import publish, publish_on_commit, space_group, user_group
from townhall.spaces import actions as space_actions
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db(transaction=True)

ARRIVES = 5.0


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any) -> None:
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    testing.make_community()
    return {"reader": testing.make_member("rui"), "writer": testing.make_member("lea")}


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        try:
            await scenario()
        finally:
            await sync_to_async(connections.close_all)()  # the consumer's thread keeps its connection

    asyncio.run(main())


def topic_in(space: Space, author: Any) -> Topic:
    return discussion_actions.create_topic(Guardian(author), space, title="Tonight", body="Clear skies.")


def reply(author: Any, topic: Topic, body: str = "Look up!") -> int:
    return int(discussion_actions.create_post(Guardian(author), topic, body=body).pk)


def post_frames(frames: list[Frame]) -> list[tuple[int, int]]:
    """(post_id, seq) of the replies among `frames`, in the order they came."""
    return [(f["post_id"], f["seq"]) for f in frames if f.get("op") == "post_created"]


def note(n: int) -> dict[str, Any]:
    return {"type": "topic", "op": "pinned", "topic_id": n}


# --- the log ----------------------------------------------------------------------------------------
def test_a_broadcast_is_logged_by_one_insert_in_its_transaction(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        publish_on_commit([space_group(3)], note(1))
    assert len(queries) == 1 and queries[0]["sql"].upper().startswith("INSERT")
    row = LoggedBroadcast.objects.get()
    assert row.groups == [space_group(3)] and row.payload == note(1)

    with pytest.raises(RuntimeError), transaction.atomic():
        publish_on_commit([space_group(3)], note(2))
        raise RuntimeError("the action failed")
    assert LoggedBroadcast.objects.count() == 1  # rolled back with the write it announced


def test_control_messages_and_groupless_broadcasts_are_not_logged(broadcasts: list) -> None:
    publish([], note(1))
    publish(["streams"], note(2))
    assert not LoggedBroadcast.objects.exists()
    assert broadcasts == [([], note(1)), (["streams"], note(2))]


def test_an_action_logs_what_it_broadcasts(people: dict[str, Any], broadcasts: list) -> None:
    space = testing.make_space("Gear talk", members=[people["reader"], people["writer"]])
    topic = topic_in(space, people["writer"])
    before = set(LoggedBroadcast.objects.values_list("pk", flat=True))
    reply(people["writer"], topic)
    rows = list(LoggedBroadcast.objects.exclude(pk__in=before).order_by("pk"))
    assert [(row.groups, row.payload) for row in rows] == broadcasts[-len(rows) :]


# --- resuming ---------------------------------------------------------------------------------------
def test_a_reconnecting_stream_gets_what_it_missed_in_order_and_only_what_it_may_read(
    people: dict[str, Any],
) -> None:
    reader, writer = people["reader"], people["writer"]
    shared = testing.make_space("Gear talk", members=[reader, writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic, secret = topic_in(shared, writer), topic_in(closed, writer)
    key = signed_in(reader)

    async def scenario() -> None:
        first = Stream(key)
        assert (await first.connect())[0]
        seen = first.live["seq"]
        await first.disconnect()
        missed = []
        for n in range(3):
            missed.append(await sync_to_async(reply)(writer, topic, f"Reply {n}"))
            await sync_to_async(reply)(writer, secret, "Still secret.")
        again = Stream(key, after=seen)
        assert (await again.connect())[0]
        frames = post_frames(again.opening)
        assert [post for post, _ in frames] == missed
        seqs = [seq for _, seq in frames]
        assert seqs == sorted(seqs) and all(seq > seen for seq in seqs)
        assert again.live["seq"] >= seqs[-1]
        assert await again.receive_nothing(0.3)  # nothing comes twice once live
        await again.disconnect()

    run(scenario)


def test_a_replay_asks_the_guardian_now(people: dict[str, Any]) -> None:
    """A reader who left a private space while away gets nothing of it, even what was sent while they
    were still in it."""
    reader, writer = people["reader"], people["writer"]
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[reader, writer])
    open_space = testing.make_space("Gear talk", members=[reader, writer])
    secret, topic = topic_in(closed, writer), topic_in(open_space, writer)
    key = signed_in(reader)

    async def scenario() -> None:
        first = Stream(key)
        assert (await first.connect())[0]
        seen = first.live["seq"]
        await first.disconnect()
        await sync_to_async(reply)(writer, secret, "While you were in.")
        kept = await sync_to_async(reply)(writer, topic)
        await sync_to_async(space_actions.leave_space)(Guardian(reader), closed)
        again = Stream(key, after=seen)
        assert (await again.connect())[0]
        assert [post for post, _ in post_frames(again.opening)] == [kept]
        assert all(f.get("topic_id") != secret.pk for f in again.opening)
        await again.disconnect()

    run(scenario)


def test_a_broadcast_committed_during_the_replay_is_neither_lost_nor_doubled(
    people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream joins its groups, reads the log, then goes live. One broadcast commits after the
    groups are joined but before the log is read (so it is both replayed and queued live); another
    commits after the log was read (live only). The page gets each exactly once, in order."""
    reader = people["reader"]
    space = testing.make_space("Gear talk", members=[reader])
    key = signed_in(reader)
    group = space_group(space.pk)
    read_log = log.missed
    sent: dict[str, int] = {}

    def missed_while_broadcasting(after: int, groups: Any, **kwargs: Any) -> log.Replay:
        publish([group], note(1))  # committed and delivered before the log is read
        sent["before"] = LoggedBroadcast.objects.latest("pk").pk
        replay = read_log(after, groups, **kwargs)
        publish([group], note(2))  # committed after the log was read
        sent["after"] = LoggedBroadcast.objects.latest("pk").pk
        return replay

    async def scenario() -> None:
        first = Stream(key)
        assert (await first.connect())[0]
        seen = first.live["seq"]
        await first.disconnect()
        await sync_to_async(publish)([group], note(0))  # missed while away
        monkeypatch.setattr(log, "missed", missed_while_broadcasting)
        again = Stream(key, after=seen)
        assert (await again.connect())[0]
        _, later = await again.frames_until(lambda frame: False, 0.5)
        everything = [*again.opening, *later]
        pinned = [(f["topic_id"], f["seq"]) for f in everything if f.get("op") == "pinned"]
        assert [topic for topic, _ in pinned] == [0, 1, 2]  # each once, none lost
        assert [seq for _, seq in pinned] == sorted(seq for _, seq in pinned)
        assert pinned[1][1] == sent["before"] and pinned[2][1] == sent["after"]
        assert [f["topic_id"] for f in again.opening if f.get("op") == "pinned"] == [0, 1]
        await again.disconnect()

    run(scenario)


def test_the_same_broadcast_through_two_groups_arrives_once(people: dict[str, Any]) -> None:
    reader = people["reader"]
    space = testing.make_space("Gear talk", members=[reader])
    key = signed_in(reader)

    async def scenario() -> None:
        stream = Stream(key)
        assert (await stream.connect())[0]
        await sync_to_async(publish)([space_group(space.pk), user_group(reader.pk)], note(7))
        await sync_to_async(publish)([user_group(reader.pk)], note(8))
        _, frames = await stream.frames_until(lambda frame: frame.get("topic_id") == 8, ARRIVES)
        assert [f["topic_id"] for f in frames] == [7, 8]
        await stream.disconnect()

    run(scenario)


# --- too far behind -----------------------------------------------------------------------------------
def _reset_then_live(stream: Stream) -> int:
    assert [f.get("op") for f in stream.opening if f.get("type") == "stream"] == ["reset"]
    reset = next(f for f in stream.opening if f.get("op") == "reset")
    assert stream.live is not None and is_live(stream.live)
    assert reset["seq"] == stream.live["seq"]
    return int(reset["seq"])


def test_a_page_behind_the_pruned_log_is_told_to_reset(people: dict[str, Any]) -> None:
    reader = people["reader"]
    space = testing.make_space("Gear talk", members=[reader])
    for n in range(5):
        publish([space_group(space.pk)], note(n))
    seqs = list(LoggedBroadcast.objects.order_by("pk").values_list("pk", flat=True))
    LoggedBroadcast.objects.filter(pk__in=seqs[:3]).update(created=timezone.now() - timedelta(days=3))
    key = signed_in(reader)

    async def scenario() -> None:
        # The first stream to connect runs the hourly prune (the cache says it is due).
        stream = Stream(key)
        assert (await stream.connect())[0]
        await stream.disconnect()
        assert await sync_to_async(list)(LoggedBroadcast.objects.values_list("pk", flat=True)) == seqs[3:]
        behind = Stream(key, after=seqs[1])  # its cursor's row is gone: what came after may be too
        assert (await behind.connect())[0]
        assert _reset_then_live(behind) == seqs[-1]
        assert not [f for f in behind.opening if f.get("type") == "topic"]
        await behind.disconnect()
        edge = Stream(key, after=seqs[3])  # its cursor's row is kept: a full replay
        assert (await edge.connect())[0]
        assert [f["topic_id"] for f in edge.opening] == [4]
        await edge.disconnect()

    run(scenario)


def test_a_cursor_from_elsewhere_or_malformed_resets(people: dict[str, Any]) -> None:
    reader = people["reader"]
    publish([user_group(reader.pk)], note(1))
    key = signed_in(reader)

    async def scenario() -> None:
        ahead = Stream(key, after=await sync_to_async(log.head)() + 1000)  # another database's cursor
        assert (await ahead.connect())[0]
        assert _reset_then_live(ahead) == await sync_to_async(log.head)()
        await ahead.disconnect()
        for query in ("after=abc", "after=-3", "after=" + "9" * 30):
            bad = Stream(key, query=query)
            assert (await bad.connect())[0], query
            assert bad.opening[0] == {
                "type": "error",
                "code": "bad_cursor",
                "message": "after= must be the seq of the last broadcast the page received.",
            }
            assert _reset_then_live(bad) == await sync_to_async(log.head)()
            await bad.disconnect()

    run(scenario)


def test_a_page_more_than_the_replay_limit_behind_resets(people: dict[str, Any], settings: Any) -> None:
    settings.STREAM_REPLAY_LIMIT = 10
    reader = people["reader"]
    publish([user_group(reader.pk)], note(0))
    start = log.head()
    for n in range(1, 11):
        publish([user_group(reader.pk)], note(n))
    key = signed_in(reader)

    async def scenario() -> None:
        exactly = Stream(key, after=start)  # ten behind: replayed
        assert (await exactly.connect())[0]
        assert [f["topic_id"] for f in exactly.opening] == list(range(1, 11))
        await exactly.disconnect()
        await sync_to_async(publish)([user_group(reader.pk)], note(11))
        eleven = Stream(key, after=start)  # eleven behind: reset
        assert (await eleven.connect())[0]
        assert _reset_then_live(eleven) == await sync_to_async(log.head)()
        await eleven.disconnect()

    run(scenario)


# --- pruning ------------------------------------------------------------------------------------------
def test_prune_keeps_the_retention_window_and_the_newest_row(settings: Any) -> None:
    settings.STREAM_RETENTION_HOURS = 48
    now = timezone.now()
    for n in range(4):
        publish([space_group(1)], note(n))
    rows = list(LoggedBroadcast.objects.order_by("pk"))
    ages = [timedelta(hours=72), timedelta(hours=49), timedelta(hours=47), timedelta(hours=1)]
    for row, age in zip(rows, ages, strict=True):
        LoggedBroadcast.objects.filter(pk=row.pk).update(created=now - age)
    assert log.prune(now=now) == 2
    assert list(LoggedBroadcast.objects.values_list("pk", flat=True)) == [rows[2].pk, rows[3].pk]
    LoggedBroadcast.objects.update(created=now - timedelta(days=30))
    assert log.prune(now=now) == 1  # a quiet site keeps its newest row: the sequence stays anchored
    assert list(LoggedBroadcast.objects.values_list("pk", flat=True)) == [rows[3].pk]
    assert log.head() == rows[3].pk


def test_the_prune_is_enqueued_once_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []
    monkeypatch.setattr(log, "prune", lambda: ran.append(1) or 0)  # the task runs inline under the tests
    assert tasks.prune_when_due() is True
    assert tasks.prune_when_due() is False
    assert ran == [1]
