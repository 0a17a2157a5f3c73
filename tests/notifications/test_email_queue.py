"""The email channel on the real database queue: batches wait in the queue until their due time
(run_after), a worker run before then leaves them, one after sends them; the tick re-enqueues itself
once per period however many times it is kicked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from notify_email_testing import notify, reply_kind  # noqa: F401

from townhall.notifications.email import sending, tasks
from townhall.notifications.models import PENDING, SENT, Notification

pytestmark = [pytest.mark.usefixtures("reply_kind"), pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-reload", "--interval", "0", verbosity=0)


def test_a_batch_waits_in_the_queue_until_it_is_due(member: Any, outbox: Any) -> None:
    notification = notify(member, delay=dt.timedelta(seconds=3))
    sending.schedule([notification.pk])
    [queued] = DBTaskResult.objects.filter(task_path__endswith="send_notification_emails")
    assert queued.args_kwargs["args"] == [[notification.pk]]
    assert notification.email_due_at is not None
    assert dt.timedelta(0) < queued.run_after - notification.email_due_at <= dt.timedelta(minutes=1)

    run_worker()  # too early: the queue does not hand it out
    notification.refresh_from_db()
    assert notification.email_state == PENDING and len(outbox) == 0

    DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now())  # time passes
    Notification.objects.filter(pk=notification.pk).update(email_due_at=timezone.now())
    run_worker()
    notification.refresh_from_db()
    assert notification.email_state == SENT and len(outbox) == 1


def test_kicking_twice_starts_one_tick(member: Any) -> None:
    assert tasks.kick() is True
    assert tasks.kick() is False
    ticks = DBTaskResult.objects.filter(task_path__endswith="email_tick")
    assert ticks.count() == 1
    assert ticks.get().run_after > timezone.now()


def test_the_tick_enqueues_the_next_one_at_the_next_boundary(member: Any) -> None:
    tasks.email_tick.call()
    [following] = DBTaskResult.objects.filter(task_path__endswith="email_tick")
    assert following.run_after.timestamp() % tasks.TICK_SECONDS == 0
    tasks.email_tick.call()  # a second chain reaches the same boundary and ends there
    assert DBTaskResult.objects.filter(task_path__endswith="email_tick").count() == 1
