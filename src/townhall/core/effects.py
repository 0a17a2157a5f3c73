"""Side effects that must only happen once the surrounding transaction commits, and domain events.

A domain event is a frozen dataclass of ids and small values that an app declares in its `events.py`
(`PostCreated(post_id, topic_id, space_id, actor_id, mentioned_ids)`). Actions `emit()` it inside their
transaction; it is delivered after the commit, and never when the transaction rolls back:

- **optional listeners** (search, analytics, recognition, webhooks) are called in this process right
  after the commit; a failing listener is logged and never breaks the request;
- **required consumers** (notifications) are durable: each delivery is a task on the queue, retried by
  the worker, carrying the event as plain data. An event type lists the consumers it cannot do without
  in `required_consumers`; emitting it while one of them is not registered is an error.

Apps register both in their `AppConfig.ready()` with `listen()`. Tests capture what was emitted with the
`emitted` fixture.
"""

from __future__ import annotations

import dataclasses
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import transaction
from django.tasks import task

logger = logging.getLogger(__name__)


class DomainEvent:
    """Base of every domain event: subclasses are frozen dataclasses of plain values."""

    required_consumers: ClassVar[tuple[str, ...]] = ()


class AccessChanged(DomainEvent, ABC):
    """An event that changes what some people may read (joining or leaving a space, a ban, a new
    visibility). The real-time layer listens to this base class: the open streams of `affected_users()`
    (None: everyone's) re-subscribe after the commit, so they stop or start hearing a space at once."""

    @abstractmethod
    def affected_users(self) -> tuple[int, ...] | None:
        """The people whose reading changed, or None when it may be anyone's."""


@dataclass(frozen=True)
class RowsWritten(DomainEvent):
    """Rows written in bulk (imports, seeding, schedules) by an app's bulk layer: listeners that keep
    derived data (the search index) refresh them; nobody is notified and nothing is broadcast."""

    model: str  # "app_label.modelname", e.g. "discussions.post"
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Consumer:
    name: str
    event_type: type[DomainEvent]
    fn: Callable[[Any], None]
    required: bool


_consumers: dict[type[DomainEvent], list[Consumer]] = {}
_by_name: dict[str, Consumer] = {}
_event_types: dict[str, type[DomainEvent]] = {}

# Set by the test fixture `emitted`: every event emitted while it is a list, at emit time.
captured: list[DomainEvent] | None = None

# Set by tests: names of optional listeners called at emit time, inside the transaction, instead of after
# the commit (a test's transaction never commits). Their errors propagate, so a test sees them.
immediate: set[str] = set()


def event_name(event_type: type[DomainEvent]) -> str:
    return f"{event_type.__module__}.{event_type.__qualname__}"


def listen[E: DomainEvent](
    event_type: type[E], fn: Callable[[E], None], *, name: str, required: bool = False
) -> None:
    """Deliver every `event_type` (and subclasses) to `fn` after commit. Call from AppConfig.ready().

    `name` identifies the consumer ("search", "notifications"); registering a name twice replaces it,
    so a reloaded ready() does not deliver twice.
    """
    if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
        raise TypeError(f"{event_type!r} is not a DomainEvent")
    if not dataclasses.is_dataclass(event_type):
        raise TypeError(f"{event_type.__name__} must be a dataclass")
    key = f"{name}:{event_name(event_type)}"
    consumer = Consumer(name=name, event_type=event_type, fn=fn, required=required)
    previous = _by_name.get(key)
    if previous is not None:
        _consumers[previous.event_type].remove(previous)
    _consumers.setdefault(event_type, []).append(consumer)
    _by_name[key] = consumer
    _event_types[event_name(event_type)] = event_type


def unlisten(event_type: type[DomainEvent], *, name: str) -> None:
    consumer = _by_name.pop(f"{name}:{event_name(event_type)}", None)
    if consumer is not None:
        _consumers[consumer.event_type].remove(consumer)


def consumers_of(event_type: type[DomainEvent]) -> list[Consumer]:
    found: list[Consumer] = []
    for klass in event_type.__mro__:
        if isinstance(klass, type) and issubclass(klass, DomainEvent):
            found.extend(_consumers.get(klass, ()))
    return found


def emit(event: DomainEvent) -> None:
    """Deliver `event` after the current transaction commits (immediately when there is none)."""
    if not dataclasses.is_dataclass(event):
        raise TypeError(f"{type(event).__name__} must be a dataclass")
    consumers = consumers_of(type(event))
    names = {consumer.name for consumer in consumers}
    missing = [name for name in type(event).required_consumers if name not in names]
    if missing:
        raise LookupError(f"{type(event).__name__} needs the consumers {missing}, which are not registered")
    if captured is not None:
        captured.append(event)
    for consumer in consumers:
        if consumer.required:
            data = dataclasses.asdict(event)
            enqueue_on_commit(deliver_required, consumer.name, event_name(type(event)), data)
        elif consumer.name in immediate:
            consumer.fn(event)
        else:
            transaction.on_commit(_call(consumer, event), robust=True)


def _call(consumer: Consumer, event: DomainEvent) -> Callable[[], None]:
    def run() -> None:
        try:
            consumer.fn(event)
        except Exception:  # an optional listener never breaks the write that was already committed
            logger.exception("listener %s failed on %s", consumer.name, type(event).__name__)

    return run


@task()
def deliver_required(consumer_name: str, event_type_name: str, data: dict[str, Any]) -> None:
    """A durable delivery to a required consumer: rebuild the event from its data and hand it over."""
    event_type = _event_types[event_type_name]
    consumer = _by_name[f"{consumer_name}:{event_type_name}"]
    consumer.fn(event_type(**data))


def on_commit(fn: Callable[[], Any]) -> None:
    """Run fn after the current transaction commits (immediately when there is none)."""
    transaction.on_commit(fn, robust=True)


def enqueue_on_commit(task: Any, /, *args: Any, **kwargs: Any) -> None:
    """Enqueue a django.tasks task after commit. Tasks take ids, never model instances."""

    def _enqueue() -> None:
        task.enqueue(*args, **kwargs)

    transaction.on_commit(_enqueue, robust=True)
