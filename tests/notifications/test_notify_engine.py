"""The fan-out engine: idempotent redelivery, batches, a fixed number of queries per batch whatever
their size, read state kept in step with what was seen, the bulk audience check against the Guardian,
quiet hours, and tasks left running by a dead worker."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from notify_testing import channels_held, kinds_of, told

import factories as testing
from townhall.accounts.models import User
from townhall.chat import actions as chat
from townhall.community.models import Membership
from townhall.core import effects, taskqueue
from townhall.discussions import actions
from townhall.discussions.events import TopicCreated
from townhall.discussions.models import WATCHING, SpaceFollow
from townhall.notifications import kinds
from townhall.notifications.models import CANCELLED, PENDING, Notification, Settings
from townhall.notifications.preferences import channels_for, hold_until
from townhall.policy import Guardian
from townhall.policy.audience import READERS, space_readers
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels_held() -> Iterator[None]:
    with channels_held():
        yield


@pytest.fixture
def lea(community: Any) -> Any:
    return testing.make_member("lea", display_name="Lea Lens")


@pytest.fixture
def space(member: Any, lea: Any) -> Space:
    return testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[member, lea])


def crowd(n: int, space: Space) -> list[int]:
    """`n` members watching `space`, made in bulk."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        [User(username=f"watcher{start + i}", email=f"w{start + i}@example.org") for i in range(n)]
    )
    Membership.objects.bulk_create([Membership(user=u, state=Membership.ACTIVE) for u in users])
    SpaceFollow.objects.bulk_create([SpaceFollow(user=u, space=space, level=WATCHING) for u in users])
    return [u.pk for u in users]


def opening_event(member: Any, space: Space) -> TopicCreated:
    topic = actions.create_topic(Guardian(member), space, title="Messier marathon", body="Who is in?")
    return TopicCreated(
        topic_id=topic.pk,
        post_id=topic.posts.get().pk,
        space_id=space.pk,
        actor_id=member.pk,
        kind="discussion",
    )


def test_the_same_event_delivered_twice_stores_nothing_twice(
    member: Any, space: Space, committed: Any, broadcasts: Any
) -> None:
    watchers = crowd(30, space)
    event = opening_event(member, space)
    with committed():
        effects.emit(event)
    first = broadcasts[:]
    with committed():
        effects.emit(event)
    assert Notification.objects.count() == 30
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == watchers
    [(groups, payload)] = [(g, p) for g, p in first if p.get("type") == "notifications"]
    assert sorted(groups) == sorted(f"user.{user_id}" for user_id in watchers)  # each recipient's stream
    assert payload == {"type": "notifications", "op": "created", "notification_id": None}
    assert len([p for _g, p in broadcasts if p.get("type") == "notifications"]) == 1  # none the second time


def test_a_big_fan_out_is_stored_in_batches_with_the_same_result(
    member: Any, space: Space, committed: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS_FANOUT_BATCH = 7
    watchers = crowd(30, space)
    with committed():
        effects.emit(opening_event(member, space))
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == watchers


def _queries(member: Any, space: Space, committed: Any, n: int) -> int:
    crowd(n, space)
    event = opening_event(member, space)
    Notification.objects.all().delete()
    with CaptureQueriesContext(connection) as captured, committed():
        effects.emit(event)
    assert Notification.objects.count() == SpaceFollow.objects.filter(space=space).count()
    return len(captured)


def test_queries_do_not_grow_with_recipients_only_with_batches(
    member: Any, space: Space, committed: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS_FANOUT_BATCH = 1000
    few = _queries(member, space, committed, 5)
    many = _queries(member, space, committed, 120)
    assert few == many
    settings.NOTIFICATIONS_FANOUT_BATCH = 50  # now 4, 5 and then 6 batches of the 125, 215, 265 watchers
    three = _queries(member, space, committed, 25)
    four = _queries(member, space, committed, 90)
    per_batch = (four - three) // 2
    assert four - three == 2 * per_batch
    assert per_batch <= 16, f"{per_batch} queries per batch"


def test_reading_a_topic_marks_its_notifications_read_up_to_there(
    member: Any, lea: Any, space: Space, committed: Any, broadcasts: Any
) -> None:
    topic = actions.create_topic(Guardian(member), space, title="Dew heaters", body="Which one?")
    with committed():
        actions.create_post(Guardian(lea), topic, body="@max this one.")
        actions.create_post(Guardian(lea), topic, body="Or this one.")
    first, second = told(member)
    assert (first.kind, first.email_state, second.kind) == ("mention", PENDING, "watched_topic")
    broadcasts.clear()
    with committed():
        actions.mark_read(Guardian(member), topic, position=2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and first.email_state == CANCELLED and first.push_state == CANCELLED
    assert second.read_at is None
    assert [p for _g, p in broadcasts if p["type"] == "notifications"] == [
        {"type": "notifications", "op": "read", "notification_id": None}
    ]
    with committed():
        actions.mark_read(Guardian(member), topic, position=3)
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 0
    assert told(lea) == []  # someone else's reading changes nothing of hers


def test_reading_a_channel_or_thread_marks_its_notifications_read(
    member: Any, lea: Any, committed: Any
) -> None:
    lounge = testing.make_space("Lounge", kind="chat", visibility=Space.MEMBERS, members=[member, lea])
    root = chat.send_message(Guardian(member), lounge, body="Who has a Dobsonian?")
    with committed():
        mention = chat.send_message(Guardian(lea), lounge, body="@max I do")
        chat.reply_in_thread(Guardian(lea), root, body="A 10-inch.")
    assert kinds_of(member) == ["mention", "thread_reply"]
    with committed():
        chat.mark_read(Guardian(member), lounge, up_to=mention.pk)
    assert [row.read_at is not None for row in told(member)] == [True, False]
    newest = root.replies.order_by("-id").first()
    with committed():
        chat.mark_thread_read(Guardian(member), root, up_to=newest.pk)
    assert all(row.read_at is not None for row in told(member))


# --- the audience, in bulk, agrees with the Guardian --------------------------------------------------
PERSONAS = ["owner", "admin", "moderator", "member", "newcomer", "pending", "suspended", "banned", "outsider"]


@pytest.mark.parametrize("visibility", [Space.PUBLIC, Space.MEMBERS, "group", Space.PRIVATE, Space.SECRET])
def test_space_readers_agree_with_the_guardian(request: pytest.FixtureRequest, visibility: str) -> None:
    people = {name: request.getfixturevalue(name) for name in PERSONAS}
    insider = testing.make_member("ines")
    group = testing.make_group("Imagers", [people["newcomer"]])
    space = testing.make_space(
        "Room",
        visibility=Space.MEMBERS if visibility == "group" else visibility,
        group=group if visibility == "group" else None,
        members=[insider, people["suspended"]],
    )
    everyone = [*people.values(), insider]
    expected = {p.pk for p in everyone if Guardian(p).spaces.read.can(space) and Guardian(p).state in READERS}
    assert space_readers(space, [p.pk for p in everyone]) == expected


def test_conversation_readers_are_its_own_members(member: Any, lea: Any, admin: Any) -> None:
    conversation = chat.start_conversation(Guardian(member), people=[lea])
    assert space_readers(conversation, [member.pk, lea.pk, admin.pk]) == {member.pk, lea.pk}


# --- preferences ----------------------------------------------------------------------------------------
def test_channels_for_starts_from_the_kind_and_follows_choices(member: Any, lea: Any) -> None:
    from townhall.notifications.models import Preference

    Preference.objects.create(user=lea, kind="quote", channel="email", enabled=True)
    answer = channels_for(kinds.kinds["quote"], [member.pk, lea.pk])
    assert answer == {member.pk: {"web"}, lea.pk: {"web", "email"}}


def test_quiet_hours_hold_until_their_end_in_the_members_time_zone(member: Any) -> None:
    row = Settings(user=member, quiet_from=dt.time(22), quiet_until=dt.time(7))
    paris_late = dt.datetime(2026, 1, 10, 22, 30, tzinfo=dt.UTC)  # 23:30 in Paris
    assert hold_until(row, paris_late, time_zone="Europe/Paris") == dt.datetime(2026, 1, 11, 6, tzinfo=dt.UTC)
    paris_early = dt.datetime(2026, 1, 11, 5, 0, tzinfo=dt.UTC)  # 06:00 in Paris
    assert hold_until(row, paris_early, time_zone="Europe/Paris") == dt.datetime(
        2026, 1, 11, 6, tzinfo=dt.UTC
    )
    paris_noon = dt.datetime(2026, 1, 11, 11, 0, tzinfo=dt.UTC)
    assert hold_until(row, paris_noon, time_zone="Europe/Paris") is None
    # A zone the system does not know counts as UTC: 22:30 UTC is inside, until 07:00 UTC.
    assert hold_until(row, paris_late, time_zone="Not/AZone") == dt.datetime(2026, 1, 11, 7, tzinfo=dt.UTC)
    row.paused_until = paris_noon
    assert hold_until(row, paris_late, time_zone="Europe/Paris") == paris_noon
    assert hold_until(None, paris_late) is None


# --- tasks of a dead worker -----------------------------------------------------------------------------
def _running(worker: str, started: dt.datetime) -> Any:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status="RUNNING",
        started_at=started,
        worker_ids=[worker],
        args_kwargs={"args": [], "kwargs": {}},
        task_path="townhall.notifications.tasks.store_batch_task",
        backend_name="default",
        run_after=timezone.now(),
    )


def test_tasks_of_a_dead_worker_go_back_to_the_queue() -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(finished.stdout)
    host = socket.gethostname()[:30]
    now = timezone.now()
    dead = _running(f"th:{host}:{dead_pid}:abc", now)
    alive = _running(f"th:{host}:{os.getppid()}:abc", now)
    elsewhere_recent = _running("th:otherhost:12:abc", now)
    elsewhere_stale = _running("th:otherhost:13:abc", now - dt.timedelta(hours=2))
    assert taskqueue.requeue_abandoned(stale_after=dt.timedelta(minutes=30)) == 2
    for row, status in [
        (dead, "READY"),
        (alive, "RUNNING"),
        (elsewhere_recent, "RUNNING"),
        (elsewhere_stale, "READY"),
    ]:
        row.refresh_from_db()
        assert row.status == status
    assert taskqueue.worker_id().startswith(f"th:{host}:")
