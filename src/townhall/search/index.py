"""Keeping the index equal to what each registered type says: refreshed by domain events after commit,
rebuilt by `townhall manage reindex`.

A refresh asks the type for the documents of some ids as they are now and writes the difference: new
documents are inserted, changed ones updated in place (keeping their row id, so newest-first stays
meaningful), and ids without a document lose theirs. Refreshing is idempotent, so delivering an event
twice, or refreshing ids that did not change, is harmless.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.tasks import task

from townhall.core import effects
from townhall.core.effects import DomainEvent, RowsWritten
from townhall.core.registries import Document as Doc
from townhall.core.registries import SearchType, search_types
from townhall.search.engines import engine
from townhall.search.models import TYPE_MAX, VISIBILITY_MAX, Document
from townhall.search.snippets import clean_text

logger = logging.getLogger(__name__)

BATCH = 500
# Bulk writes of at least this many rows (an import's batch) are indexed by tasks, each of at most
# TASK_IDS ids, after the commit, rather than by the writer: a million imported messages do not wait
# for their documents, and the worker catches up in batches. Smaller writes are indexed at once.
QUEUE_FROM = 500
TASK_IDS = 2000
LISTENER = "search"
FIELDS = ("space_id", "container_id", "title", "body", "author_id", "created_at", "visibility")


def _values(doc: Doc) -> dict[str, Any]:
    if len(doc.visibility) > VISIBILITY_MAX:
        raise ValueError(f"visibility key too long: {doc.visibility[:50]!r}")
    return {
        "space_id": doc.space_id,
        "container_id": doc.container_id,
        "title": clean_text(doc.title),
        "body": clean_text(doc.body),
        "author_id": doc.author_id,
        "created_at": doc.created_at,
        "visibility": doc.visibility,
    }


def refresh(search_type: SearchType, ids: Iterable[int]) -> int:
    """Make the documents of `ids` what `search_type.documents()` says now. Returns the rows written."""
    if len(search_type.key) > TYPE_MAX:
        raise ValueError(f"search type key too long: {search_type.key!r}")
    wanted = sorted({int(i) for i in ids})
    return sum(_refresh_batch(search_type, wanted[i : i + BATCH]) for i in range(0, len(wanted), BATCH))


def _refresh_batch(search_type: SearchType, ids: list[int]) -> int:
    key = search_type.key
    with transaction.atomic():
        with connection.cursor() as cursor:
            engine().lock(cursor, key, ids)
        # Read inside the transaction, after the lock: a later refresh of the same ids waits for this
        # one and then reads the later state.
        asked = set(ids)
        docs = {doc.object_id: _values(doc) for doc in search_type.documents(ids) if doc.object_id in asked}
        existing = {
            row["object_id"]: row
            for row in Document.objects.filter(type=key, object_id__in=ids).values("id", "object_id", *FIELDS)
        }
        written = 0
        gone = [object_id for object_id in existing if object_id not in docs]
        if gone:
            written += Document.objects.filter(type=key, object_id__in=gone).delete()[0]
        new = [
            Document(type=key, object_id=object_id, **values)
            for object_id, values in sorted(docs.items())
            if object_id not in existing
        ]
        if new:
            # A concurrent refresh may have inserted the same document first: then this one, which
            # read the state later (it waited for the lock), overwrites it in place.
            Document.objects.bulk_create(
                new, update_conflicts=True, unique_fields=["type", "object_id"], update_fields=list(FIELDS)
            )
            written += len(new)
        # Only changed columns are written, grouped (a moved topic's posts change space_id together),
        # so the text index is touched only when a title or body changed.
        changes: dict[tuple[tuple[str, Any], ...], list[int]] = defaultdict(list)
        for object_id, values in docs.items():
            row = existing.get(object_id)
            if row is not None:
                changed = tuple((name, value) for name, value in values.items() if row[name] != value)
                if changed:
                    changes[changed].append(row["id"])
        for changed, row_ids in changes.items():
            written += Document.objects.filter(pk__in=row_ids).update(**dict(changed))
    return written


def reindex(search_type: SearchType) -> int:
    """Rebuild one type's documents from `all_ids()` (ascending batches): refresh every id, and remove
    documents of ids the type no longer lists. Returns how many documents the type has afterwards."""
    last: int | None = None
    for batch in search_type.all_ids():
        ids = sorted(int(i) for i in batch)
        if not ids:
            continue
        if last is not None and ids[0] <= last:
            raise ValueError(f"{search_type.key}: all_ids() must give ascending batches")
        refresh(search_type, ids)
        stale = Document.objects.filter(type=search_type.key, object_id__lte=ids[-1])
        if last is not None:
            stale = stale.filter(object_id__gt=last)
        stale.exclude(object_id__in=ids).delete()
        last = ids[-1]
    beyond = Document.objects.filter(type=search_type.key)
    if last is not None:
        beyond = beyond.filter(object_id__gt=last)
    beyond.delete()
    return Document.objects.filter(type=search_type.key).count()


# --- listening -------------------------------------------------------------------------------------
def _on(event_type: type) -> Callable[[DomainEvent], None]:
    """The listener for one event type: refresh what each type that names it says may have changed."""

    def refresh_for(event: DomainEvent) -> None:
        for search_type in search_types:
            ids_of = search_type.refresh_on.get(event_type)
            if ids_of is not None:
                refresh(search_type, ids_of(event))

    return refresh_for


def _types_of(model: str) -> list[SearchType]:
    return [t for t in search_types if t.model.lower() == model.lower()]


def on_rows_written(event: RowsWritten) -> None:
    """Bulk writes: refresh the ids of every type kept from that model; many ids go to tasks."""
    if not _types_of(event.model):
        return
    if len(event.ids) < QUEUE_FROM:
        refresh_rows.call(event.model, list(event.ids))
        return
    ids = sorted(event.ids)
    for start in range(0, len(ids), TASK_IDS):
        refresh_rows.enqueue(event.model, ids[start : start + TASK_IDS])


@task()
def refresh_rows(model: str, ids: list[int]) -> int:
    """Refresh the documents of rows a bulk layer wrote (`model` as in RowsWritten). Idempotent: run
    twice, or after the rows changed or went, the index still says what they are now."""
    return sum(refresh(search_type, ids) for search_type in _types_of(model))


def listen_for(search_type: SearchType) -> None:
    """Subscribe to the events a type names (called for every type, including ones registered later)."""
    for event_type in search_type.refresh_on:
        effects.listen(event_type, _on(event_type), name=LISTENER)


def start_listening() -> None:
    """From SearchConfig.ready(): bulk writes, and the events of every type, now and later."""
    effects.listen(RowsWritten, on_rows_written, name=LISTENER)
    search_types.watch(listen_for)
