"""Writing, replaying and pruning the broadcast log (`LoggedBroadcast`).

`write()` runs inside the publishing transaction: one INSERT, whose id is the broadcast's sequence.
`missed()` is what a reconnecting stream replays; `prune()` keeps the table to the retention window.

Why the stream checks that the row of the reader's cursor still exists: pruning removes a prefix of the
ids (everything up to the newest row older than the retention, never the newest row of all), so when the
row `after` is still there, nothing after it was pruned, and the replay is complete. When it is gone (or
was never there: a cursor from another database), the reader may have missed something and is told to
reset. Sequence gaps left by rolled-back transactions never cause a false reset this way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from townhall.realtime.models import LoggedBroadcast

LOGGED_PREFIXES = ("space.", "user.")


def is_logged(groups: Collection[str]) -> bool:
    """Broadcasts to a space's readers or to a person are logged; control messages are not."""
    return any(name.startswith(LOGGED_PREFIXES) for name in groups)


def write(groups: list[str], payload: dict[str, Any]) -> int:
    """Log a broadcast in the current transaction (one INSERT) and return its sequence number."""
    return LoggedBroadcast.objects.create(groups=groups, payload=payload).pk


def write_many(messages: list[tuple[list[str], dict[str, Any]]]) -> list[int]:
    """Log many broadcasts at once (one INSERT per 500) and return their sequence numbers, in order."""
    rows = LoggedBroadcast.objects.bulk_create(
        [LoggedBroadcast(groups=groups, payload=payload) for groups, payload in messages], batch_size=500
    )
    return [row.pk for row in rows]


def head() -> int:
    """The newest sequence number (0 before the first broadcast): a page's starting cursor."""
    return LoggedBroadcast.objects.aggregate(last=Max("id"))["last"] or 0


@dataclass
class Replay:
    """What a stream sends a reader who saw everything up to `after`: the frames they may read, in
    order, or `reset` (they are too far behind; their page reloads its data). `head`: the newest
    sequence the replay looked at, which the reader may take as its cursor afterwards."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    head: int = 0
    reset: bool = False


def missed(after: int, groups: Collection[str], *, limit: int | None = None) -> Replay:
    """The logged broadcasts after `after` sent to any of `groups` (the groups the reader may read now,
    computed by the caller under the Guardian), each as its frame (`payload` plus `seq`).

    Two queries at most: the rows from `after` on (the cursor's own row included, to prove that nothing
    after it was pruned), and the head when the reader must reset.
    """
    limit = settings.STREAM_REPLAY_LIMIT if limit is None else limit
    rows = list(
        LoggedBroadcast.objects.filter(id__gte=after)
        .order_by("id")
        .values_list("id", "groups", "payload")[: limit + 2]
    )
    # A cursor of 0 comes from a stream that opened while the log was still empty: everything kept is new.
    complete = after <= 0 or (bool(rows) and rows[0][0] == after)
    newer = [row for row in rows if row[0] > after]
    if not complete or len(newer) > limit:
        return Replay(head=head(), reset=True)
    mine = frozenset(groups)
    frames = [{**payload, "seq": seq} for seq, to, payload in newer if not mine.isdisjoint(to)]
    return Replay(frames=frames, head=rows[-1][0] if rows else after)


def prune(*, now: Any = None) -> int:
    """Delete the rows older than the retention (STREAM_RETENTION_HOURS), always keeping the newest row
    (it anchors the sequence), as one prefix of the ids. Returns how many rows went."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.STREAM_RETENTION_HOURS)
    newest = head()
    if not newest:
        return 0
    edge = LoggedBroadcast.objects.filter(created__lt=cutoff, id__lt=newest).aggregate(edge=Max("id"))["edge"]
    if edge is None:
        return 0
    deleted, _ = LoggedBroadcast.objects.filter(id__lte=edge).delete()
    return deleted
