"""Helpers for the bulk-layer tests: rows as plain values, so that what the actions wrote and what a bulk
layer wrote can be compared field by field (primary keys and wall-clock times left out)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction

from townhall.activity.models import Activity
from townhall.core import effects


def row(
    obj: models.Model, *, skip: Iterable[str] = (), refs: dict[str, Callable[[Any], Any]] | None = None
) -> dict:
    """Every concrete field of `obj` by attname, except `skip`; `refs` turn ids into stable keys."""
    skipped = {"id", *skip}
    values = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in skipped
    }
    for name, key in (refs or {}).items():
        values[name] = key(values[name])
    return values


def activity_rows(
    rows: Iterable[Activity],
    target: Callable[[Activity], Any],
    data: Callable[[dict], dict],
    space: Callable[[int | None], Any] = lambda space_id: space_id,
) -> list:
    """Activity rows without ids and times, sorted: (actor, verb, target key, space key, data)."""
    return sorted(
        (
            a.actor_id or 0,
            a.verb,
            repr(target(a)),
            repr(space(a.space_id)),
            repr(sorted(data(dict(a.data)).items())),
        )
        for a in rows
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run a block and undo its writes (and its on-commit callbacks), to write the same thing again."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@contextmanager
def captured_events() -> Iterator[list[effects.DomainEvent]]:
    """Every domain event emitted inside the block (like the `emitted` fixture, for part of a test)."""
    seen: list[effects.DomainEvent] = []
    with effects.observing(seen.append):
        yield seen
