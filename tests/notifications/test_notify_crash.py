"""A worker killed with SIGKILL in the middle of a fan-out to 1,000 people, and a new one started: each
person has exactly one in-page notification and at most one email waiting (never two).

Everything runs as in production, in subprocesses against a database they can all reach: the test's
PostgreSQL database, or a SQLite file in a fresh data directory (the SQLite test database lives in this
process's memory). The setup writes the topic through the real action, whose commit enqueues the
fan-out in the database queue; `townhall worker` runs it in batches of 20 (50 tasks); the test kills it
once some but not all rows are stored. django-tasks-db leaves the task it was running RUNNING forever;
the next `townhall worker` re-queues it at start (core/taskqueue.py) and the fan-out, idempotent, stores
only what is missing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

TOWNHALL = [sys.executable, "-m", "townhall.cli"]
PEOPLE = 1000

SETUP = f"""
import json, django
django.setup()
from townhall.accounts.models import User
from townhall.community.models import Community, Membership
from townhall.discussions import actions
from townhall.discussions.models import WATCHING, SpaceFollow
from townhall.notifications.models import Preference
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

Community.objects.update_or_create(pk=1, defaults={{"name": "Night Sky Collective"}})
author = User.objects.create_user(username="author", email="author@example.org", password="x" * 12)
Membership.objects.create(user=author, state=Membership.ACTIVE)
space = Space.objects.create(name="Observing", slug="observing", visibility=Space.MEMBERS)
SpaceMembership.objects.create(space=space, user=author)
people = User.objects.bulk_create(
    [User(username=f"watcher{{i}}", email=f"watcher{{i}}@example.org") for i in range({PEOPLE})]
)
Membership.objects.bulk_create([Membership(user=u, state=Membership.ACTIVE) for u in people])
SpaceFollow.objects.bulk_create([SpaceFollow(user=u, space=space, level=WATCHING) for u in people])
Preference.objects.bulk_create(
    [Preference(user=u, kind="new_topic", channel="email", enabled=True) for u in people]
)
topic = actions.create_topic(Guardian(author), space, title="Messier marathon", body="Who is in?")
print(json.dumps({{"topic": topic.pk}}))
"""

CHECK = """
import json, django
django.setup()
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from townhall.notifications.models import Notification
rows = Notification.objects.filter(kind="new_topic")
print(json.dumps({
    "rows": rows.count(),
    "people": rows.values("recipient_id").distinct().count(),
    "most_per_person": max([r["n"] for r in rows.values("recipient_id").annotate(n=Count("id"))] or [0]),
    "email_waiting": rows.filter(email_state="pending").count(),
    "email_sent": rows.filter(email_state="sent").count(),
    "tasks": {s: DBTaskResult.objects.filter(status=s).count() for s in ("RUNNING", "SUCCESSFUL", "FAILED")},
    # Ready to run now; the email channel's batches wait for the members' delay (run_after) on purpose, and
    # the apps' periodic chains (the events reminder tick, the horizon) wait for their next turn.
    "ready_now": DBTaskResult.objects.filter(status="READY").exclude(task_path__contains=".email.")
    .exclude(task_path__startswith="townhall.events.").count(),
    "email_batches_waiting": DBTaskResult.objects.filter(
        status="READY", run_after__gt=timezone.now(), task_path__contains=".email."
    ).count(),
}))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "TOWNHALL_TESTING"} and not k.startswith("PYTEST")
    }
    env.update(
        TOWNHALL_DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        TOWNHALL_NOTIFICATIONS_BATCH="20",
        DJANGO_SETTINGS_MODULE="townhall.settings",
    )
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    return env


def _python(code: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker(env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*TOWNHALL, "worker", "--interval", "0.05", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_kill_9_in_the_middle_of_a_fan_out_loses_and_repeats_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path)
    if connection.vendor != "postgresql":
        migrated = subprocess.run([*TOWNHALL, "manage", "migrate"], env=env, capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
    _python(SETUP, env)
    assert _python(CHECK, env)["rows"] == 0  # nothing ran yet: the fan-out waits in the queue

    first = _worker(env)
    killed_at = -1
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            rows = _count(env)
            if rows >= 100:
                first.send_signal(signal.SIGKILL)
                killed_at = rows
                break
            time.sleep(0.02)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait(10)
    assert 100 <= killed_at < PEOPLE, f"the worker was not caught in the middle ({killed_at} rows)"
    after_kill = _python(CHECK, env)
    assert after_kill["rows"] < PEOPLE

    second = _worker(env, "--batch")
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0, out[-3000:]

    final = _python(CHECK, env)
    assert final["rows"] == PEOPLE and final["people"] == PEOPLE and final["most_per_person"] == 1
    assert (
        final["email_waiting"] == PEOPLE and final["email_sent"] == 0
    )  # each email handed over at most once
    assert final["tasks"]["RUNNING"] == 0 and final["tasks"]["FAILED"] == 0 and final["ready_now"] == 0
    assert final["email_batches_waiting"] >= 1  # handed to the email channel, due after the delay
    if after_kill["tasks"]["RUNNING"]:
        assert "left running" in out  # the dead worker's task was re-queued, and said so


def _count(env: dict[str, str]) -> int:
    """Rows stored so far, read the cheapest way each database allows from outside the worker."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM notifications_notification")
            return int(cursor.fetchone()[0])
    import sqlite3

    db = Path(env["TOWNHALL_DATA_DIR"]) / "townhall.sqlite3"
    with sqlite3.connect(db, timeout=5) as reader:
        return int(reader.execute("SELECT count(*) FROM notifications_notification").fetchone()[0])
