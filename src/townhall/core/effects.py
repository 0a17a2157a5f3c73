"""Side effects that must only happen once the surrounding transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_commit(fn: Callable[[], Any]) -> None:
    """Run fn after the current transaction commits (immediately when there is none)."""
    transaction.on_commit(fn, robust=True)


def enqueue_on_commit(task: Any, /, *args: Any, **kwargs: Any) -> None:
    """Enqueue a django.tasks task after commit. Tasks take ids, never model instances."""

    def _enqueue() -> None:
        task.enqueue(*args, **kwargs)

    transaction.on_commit(_enqueue, robust=True)
