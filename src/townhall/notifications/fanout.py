"""The fan-out: domain events become stored notifications, in tasks after commit.

For every event type that a kind's handler listens to (`kinds.on`), this app registers a REQUIRED
consumer with core.effects: each event is then a durable task, run by a worker after the action's
commit (the web request never waits for it). The task calls the handlers (event -> Notices) and
stores each notice's rows in batches of NOTIFICATIONS_FANOUT_BATCH recipients; a notice with more
recipients than one batch becomes one task per batch, so that several workers share it and a crash
costs at most one batch.

Storing a batch, at this moment and in a fixed number of queries whatever its size:
- never the actor themself, nor anyone who blocked the actor;
- only people who belong to the community and may read the notice's space now (policy.audience: the
  `spaces.read` rule for all of them at once); kinds check their target's own state (a deleted post)
  in their handler, and their `still_visible` again at delivery in every channel;
- one bulk INSERT that ignores rows already there (recipient, source_key is unique): a delivery run
  twice (a retried task, a worker killed in the middle and its task re-queued) stores nothing twice;
- grouped kinds (Kind.group) fold into the recipient's unread row with the same group_key instead
  (actor, actor_count, updated_at), remembering the actor ids so the same actor never counts twice;
- email_state / push_state PENDING where the member's preferences turn that channel on for the kind,
  with email_due_at = now + their email delay (default 10 minutes: seeing it first cancels the email).
After the batch commits: one broadcast to each recipient whose row is new or regrouped, then each
registered channel's `schedule(ids)` with the batch's rows still PENDING for it (a re-run schedules
them again, which the channels tolerate: they claim a row before sending it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from townhall.accounts.models import Block
from townhall.core import effects
from townhall.core.effects import DomainEvent
from townhall.notifications import broadcasts
from townhall.notifications.channels import channels
from townhall.notifications.kinds import Kind, Notice, Seen, handlers, kinds, seen_handlers
from townhall.notifications.models import (
    CANCELLED,
    EMAIL,
    KEY_MAX,
    NONE,
    PENDING,
    PUSH,
    Notification,
)
from townhall.notifications.preferences import channels_for, email_delays
from townhall.policy.audience import community_readers, space_readers
from townhall.spaces.models import Space

logger = logging.getLogger(__name__)

CONSUMER = "notifications"
SEEN_LISTENER = "notifications.seen"
ACTORS_KEPT = 50  # actor ids a grouped row remembers (beyond that a repeat may count again)


def batch_size() -> int:
    return int(getattr(settings, "NOTIFICATIONS_FANOUT_BATCH", 1000))


# --- listening ---------------------------------------------------------------------------------------
def start_listening() -> None:
    """From NotificationsConfig.ready(): a required consumer for every event type a handler names, and
    an optional listener for every "seen" event, including those registered by apps that load later."""
    handlers.watch(
        lambda entry: effects.listen(entry[0], _deliver_for(entry[0]), name=CONSUMER, required=True)
    )
    seen_handlers.watch(lambda entry: effects.listen(entry[0], _seen_for(entry[0]), name=SEEN_LISTENER))


def _deliver_for(event_type: type[DomainEvent]) -> Callable[[DomainEvent], None]:
    def deliver(event: DomainEvent) -> None:
        # Only the handlers of exactly this type: a handler of a base class has a consumer of its own.
        for entry_type, handler in handlers:
            if entry_type is event_type:
                for notice in handler(event):
                    fan_out(notice)

    return deliver


def _seen_for(event_type: type[DomainEvent]) -> Callable[[DomainEvent], None]:
    def seen(event: DomainEvent) -> None:
        for entry_type, to_seen in seen_handlers:
            if entry_type is event_type:
                answer = to_seen(event)
                if answer is not None:
                    mark_seen(answer)

    return seen


# --- fanning out -------------------------------------------------------------------------------------
def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def notice_data(notice: Notice) -> dict[str, Any]:
    """A notice as plain data for a task (its recipients travel separately, one batch per task)."""
    data = asdict(replace(notice, recipient_ids=()))
    data.pop("recipient_ids")
    return data


def fan_out(notice: Notice) -> None:
    """Store `notice` for its recipients: inline when they fit in one batch, else one task per batch
    (see tasks.store_batch_task). Unknown kinds are logged and dropped (an app removed since)."""
    if notice.kind not in kinds:
        logger.error("notice of unknown kind %r (%s) dropped", notice.kind, notice.source_key)
        return
    recipients = sorted({int(i) for i in notice.recipient_ids} - {notice.actor_id})
    if not recipients:
        return
    batches = list(_batches(recipients, batch_size()))
    if len(batches) == 1:
        store_batch(notice, batches[0])
        return
    from townhall.notifications import tasks  # tasks.py builds on this module

    data = notice_data(notice)
    for batch in batches:
        tasks.store_batch_task.enqueue(data, batch)


def _allowed(notice: Notice, ids: set[int]) -> set[int]:
    """Who among `ids` may be told now: not the actor, not who blocked them, may read the space."""
    ids = ids - {notice.actor_id}
    if notice.actor_id is not None and ids:
        blockers = Block.objects.filter(blocked_id=notice.actor_id, blocker_id__in=ids)
        ids -= set(blockers.values_list("blocker_id", flat=True))
    if not ids:
        return ids
    if notice.space_id is None:
        return set(community_readers(ids))
    space = Space.objects.filter(pk=notice.space_id).first()
    if space is None:
        return set()
    return space_readers(space, ids)


def store_batch(
    notice: Notice,
    recipient_ids: Iterable[int],
    *,
    at: dt.datetime | None = None,
    read_at: dt.datetime | None = None,
    history: bool = False,
) -> list[int]:
    """Store one batch of `notice` (see the module docstring). Returns the ids of the rows that are new
    or were regrouped. Idempotent.

    `history` (notifications.bulk: seeding, imports): rows of the past, stored `at` that time and read at
    `read_at` (or unread), with the same audience checks, but neither emailed, pushed nor broadcast."""
    kind = kinds.get(notice.kind)
    if kind is None:
        logger.error("notice of unknown kind %r (%s) dropped", notice.kind, notice.source_key)
        return []
    if len(notice.source_key) > KEY_MAX or len(notice.group_key) > KEY_MAX:
        raise ValueError(f"notice keys longer than {KEY_MAX} characters: {notice.source_key[:40]!r}")
    ids = _allowed(notice, {int(i) for i in recipient_ids})
    if not ids:
        return []
    now = at or timezone.now()
    channels_of: dict[int, set[str]] = (
        {user_id: set() for user_id in ids} if history else channels_for(kind, ids)
    )
    delays = email_delays(ids) if any(EMAIL in chans for chans in channels_of.values()) else {}
    with transaction.atomic():
        if kind.group and notice.group_key:
            changed = _store_grouped(kind, notice, ids, channels_of, delays, now, history=history)
        else:
            changed = _store_new(notice, ids, channels_of, delays, now, history=history)
        changed_ids = [pk for pk, _user in changed]
        if history:
            if read_at is not None and changed_ids:
                Notification.objects.filter(pk__in=changed_ids).update(read_at=read_at)
            return changed_ids
        states = Notification.objects.filter(pk__in=changed_ids).values_list(
            "pk", "email_state", "push_state"
        )
        rows = list(states) if changed_ids else []
        broadcasts.notifications_created([(user_id, pk) for pk, user_id in changed])
    _schedule(rows)
    return changed_ids


def _row(
    notice: Notice, user_id: int, channels_of: dict[int, set[str]], delays: dict[int, int], now: dt.datetime
) -> Notification:
    chans = channels_of.get(user_id, set())
    email = EMAIL in chans
    return Notification(
        recipient_id=user_id,
        kind=notice.kind,
        source_key=notice.source_key,
        group_key=notice.group_key,
        target=notice.target,
        thread_key=notice.thread_key,
        space_id=notice.space_id,
        actor_id=notice.actor_id,
        url=notice.url,
        data=_data(notice),
        created_at=now,
        updated_at=now,
        email_state=PENDING if email else NONE,
        email_due_at=now + dt.timedelta(minutes=delays.get(user_id, 10)) if email else None,
        push_state=PENDING if PUSH in chans else NONE,
    )


def _data(notice: Notice) -> dict[str, Any]:
    data = dict(notice.data)
    if notice.actor_id is not None and notice.group_key:
        data["actor_ids"] = [notice.actor_id]
    return data


def _store_new(
    notice: Notice,
    ids: set[int],
    channels_of: dict[int, set[str]],
    delays: dict[int, int],
    now: dt.datetime,
    *,
    history: bool = False,
) -> list[tuple[int, int]]:
    """Insert the rows not there yet (one INSERT per 1,000, conflicts ignored), and read back the ones
    this call inserted: they carry its creation stamp `now`, while rows stored before (an earlier run of
    the same delivery) or by a concurrent run carry their own. Returns their (id, recipient).
    History rows are stamped with the time of the thing, the same on every replay, so those who have
    one already are left out first."""
    if history:
        ids = ids - set(
            Notification.objects.filter(source_key=notice.source_key, recipient_id__in=ids).values_list(
                "recipient_id", flat=True
            )
        )
        if not ids:
            return []
    Notification.objects.bulk_create(
        [_row(notice, user_id, channels_of, delays, now) for user_id in sorted(ids)],
        ignore_conflicts=True,
        batch_size=1000,
    )
    stored = Notification.objects.filter(
        source_key=notice.source_key, recipient_id__in=ids, created_at=now
    ).values_list("pk", "recipient_id")
    return list(stored)


def _store_grouped(
    kind: Kind,
    notice: Notice,
    ids: set[int],
    channels_of: dict[int, set[str]],
    delays: dict[int, int],
    now: dt.datetime,
    *,
    history: bool = False,
) -> list[tuple[int, int]]:
    """Fold into each recipient's unread row of the group (locked), or start one."""
    unread = {
        row.recipient_id: row
        for row in Notification.objects.select_for_update()
        .filter(recipient_id__in=ids, group_key=notice.group_key, read_at__isnull=True)
        .order_by("pk")
    }
    changed: list[tuple[int, int]] = []
    folded: list[Notification] = []
    for user_id, row in unread.items():
        actors = list(row.data.get("actor_ids", []))
        if notice.actor_id is None or notice.actor_id in actors or row.source_key == notice.source_key:
            continue
        row.data = {**row.data, **notice.data, "actor_ids": [*actors, notice.actor_id][-ACTORS_KEPT:]}
        row.actor_id = notice.actor_id
        row.actor_count += 1
        row.updated_at = now
        folded.append(row)
        changed.append((row.pk, user_id))
    if folded:
        Notification.objects.bulk_update(folded, ["data", "actor_id", "actor_count", "updated_at"])
    starting = ids - set(unread)
    if starting:
        changed += _store_new(notice, starting, channels_of, delays, now, history=history)
    logger.debug("grouped %s: %d folded, %d started", kind.key, len(folded), len(starting))
    return changed


def _schedule(rows: list[tuple[int, str, str]]) -> None:
    """Hand each registered channel the rows PENDING for it (after the batch's commit)."""
    wanted = {
        EMAIL: [pk for pk, email, _push in rows if email == PENDING],
        PUSH: [pk for pk, _email, push in rows if push == PENDING],
    }
    for channel in channels:
        ids = wanted.get(channel.key, [])
        if ids:
            effects.on_commit(_scheduler(channel.schedule, ids))


def _scheduler(schedule: Callable[[list[int]], None], ids: list[int]) -> Callable[[], None]:
    return lambda: schedule(ids)


# --- read state in step with what was seen ----------------------------------------------------------------
def mark_seen(seen: Seen) -> int:
    """Mark read the member's unread notifications in `seen.thread_key` up to `seen.position`, and
    cancel their email and push still waiting (one UPDATE); broadcast `notifications/read` when any
    changed. Returns how many."""
    waiting = [PENDING]
    count = Notification.objects.filter(
        recipient_id=seen.user_id,
        thread_key=seen.thread_key,
        read_at__isnull=True,
        data__position__lte=seen.position,
    ).update(
        read_at=timezone.now(),
        email_state=Case(When(email_state__in=waiting, then=Value(CANCELLED)), default=F("email_state")),
        push_state=Case(When(push_state__in=waiting, then=Value(CANCELLED)), default=F("push_state")),
    )
    if count:
        broadcasts.notifications_read(user_id=seen.user_id)
    return count
