"""Tasks left RUNNING by a worker that died go back to the queue.

django-tasks-db claims a task by setting it RUNNING (with the worker's id) and records the outcome when
the task returns or raises. A worker killed in the middle (`kill -9`, an out-of-memory kill, a power
cut) records nothing: the task stays RUNNING forever, since the package has no heartbeat or lease and
never looks at RUNNING tasks again. Every task of ours is idempotent (they take ids and re-fetch; the
notification fan-out ignores rows it already stored; channels claim a row before sending it), so the
safe repair is to run such a task again.

Workers started through Townhall carry an id that names their host and process (`worker_id()`), so a
worker starting up (and the embedded worker thread) re-queues at once the RUNNING tasks of processes on
its own host that no longer exist, and those of any worker after TASK_STALE_MINUTES (another host's,
or one whose id does not say). A task that is slow but alive is therefore run twice only after that
time, which its idempotency makes harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

PREFIX = "th"


def worker_id() -> str:
    """A worker id that says where the worker runs: "th:<host>:<pid>:<random>" (at most 64 chars)."""
    host = socket.gethostname()[:30]
    return f"{PREFIX}:{host}:{os.getpid()}:{get_random_string(8)}"


def _dead_here(worker: str) -> bool:
    """The id names a process on this host that no longer exists."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] != socket.gethostname()[:30]:
        return False
    try:
        pid = int(parts[2])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, owned by someone else
    return False


def requeue_abandoned(*, stale_after: dt.timedelta | None = None) -> int:
    """Put back to READY the RUNNING tasks whose worker died (see the module docstring). Returns how
    many. Each goes back in one conditional UPDATE, so two workers starting together re-queue it once."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = stale_after if stale_after is not None else dt.timedelta(minutes=settings.TASK_STALE_MINUTES)
    cutoff = timezone.now() - limit
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    requeued = 0
    for pk, workers, started in running.values_list("pk", "worker_ids", "started_at"):
        last = workers[-1] if workers else ""
        if not (_dead_here(last) or (started is not None and started < cutoff)):
            continue
        count = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started
        ).update(status=TaskResultStatus.READY, started_at=None)
        if count:
            requeued += 1
            logger.warning("task %s was left running by worker %s, which is gone: queued again", pk, last)
    return requeued
