"""The two full-text engines behind one interface: SQLite FTS5 and PostgreSQL tsvector.

Both rank the same way: only the newest `cap` matches of the words are candidates (so a word found in
half of all documents costs no more than a rare one), the candidates are narrowed by the caller's scope
(plain SQL on the document table aliased "d"), then ordered by relevance divided by an age factor
(a 90-day decay). Both answer within a time limit or raise SearchTimeout, and both make snippets from a
bounded excerpt of each body only.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper

from townhall.search.snippets import (
    EXCERPT_CHARS,
    MARK_END,
    MARK_START,
    mark_all,
    query_terms,
    snippet,
)


class SearchTimeout(Exception):
    """The search ran past its time limit and was stopped by the database."""


@dataclass(frozen=True)
class Shown:
    """What a hit shows of its document: the title and a snippet with matches marked, and its date."""

    title: str
    snippet: str
    created_at: datetime


@dataclass(frozen=True)
class Ranked:
    """One candidate that passed the scope, with its score."""

    id: int
    type: str
    object_id: int
    score: float


class Engine(Protocol):
    def time_limit(self, milliseconds: int) -> Any:
        """A context in which every query stops after `milliseconds` (SearchTimeout)."""

    def rank(
        self,
        cursor: CursorWrapper,
        words: Sequence[str],
        scope: str,
        scope_params: list[Any],
        *,
        cap: int,
        limit: int,
        offset: int,
    ) -> list[Ranked]:
        """Documents matching every word, within the scope, best first."""

    def fragments(self, cursor: CursorWrapper, words: Sequence[str], ids: list[int]) -> dict[int, Shown]:
        """What each of these documents shows, by document id."""

    def lock(self, cursor: CursorWrapper, type_key: str, object_ids: list[int]) -> None:
        """Inside a transaction: serialise refreshes of these documents until it ends."""


def _sqlite_datetime(value: datetime | str) -> datetime:
    """A DateTimeField as SQLite gives it back (UTC without an offset) as an aware datetime."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def fts5_query(words: Sequence[str]) -> str:
    """Words to a safe FTS5 expression: each quoted (so no operators), all required."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


class SqliteEngine:
    """FTS5 over `search_document_fts` (external content: the text is read from search_document)."""

    PROGRESS_STEPS = 1000  # virtual-machine steps between two looks at the clock

    @contextmanager
    def time_limit(self, milliseconds: int) -> Iterator[None]:
        # SQLite has no statement timeout; a progress handler that answers non-zero interrupts the
        # running statement (sqlite3 raises OperationalError "interrupted").
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + milliseconds / 1000
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), self.PROGRESS_STEPS)
        try:
            yield
        except OperationalError as exc:
            if "interrupted" in str(exc):
                raise SearchTimeout from exc
            raise
        finally:
            raw.set_progress_handler(None, 0)

    def rank(
        self,
        cursor: CursorWrapper,
        words: Sequence[str],
        scope: str,
        scope_params: list[Any],
        *,
        cap: int,
        limit: int,
        offset: int,
    ) -> list[Ranked]:
        match = fts5_query(words)
        # bm25 is negative (more negative = better); dividing by the age factor pulls old documents
        # towards 0. FTS5 pushes the rowid bound of the cap into its scan.
        sql = (
            "SELECT d.id, d.type, d.object_id, -bm25(search_document_fts, 4.0, 1.0)"  # noqa: S608 - `scope` is fixed SQL + params
            " / (1.0 + (julianday('now') - julianday(d.created_at)) / 90.0) AS score"
            " FROM search_document_fts f JOIN search_document d ON d.id = f.rowid"
            " WHERE search_document_fts MATCH %s"
            " AND f.rowid >= (SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM search_document_fts"
            "  WHERE search_document_fts MATCH %s ORDER BY rowid DESC LIMIT %s))"
            f" AND {scope}"
            " ORDER BY score DESC, d.id DESC LIMIT %s OFFSET %s"
        )
        cursor.execute(sql, [match, match, cap, *scope_params, limit, offset])
        return [Ranked(int(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in cursor.fetchall()]

    def fragments(self, cursor: CursorWrapper, words: Sequence[str], ids: list[int]) -> dict[int, Shown]:
        # FTS5's snippet() walks every occurrence in the whole document; Python reads a bounded excerpt.
        if not ids:
            return {}
        terms = query_terms(" ".join(words))
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT id, title, substr(body, 1, %s), created_at FROM search_document WHERE id IN ({marks})",  # noqa: S608 - only placeholders
            [EXCERPT_CHARS + 1, *ids],
        )
        return {
            int(row[0]): Shown(
                mark_all(row[1], terms) if row[1] else "", snippet(row[2], terms), _sqlite_datetime(row[3])
            )
            for row in cursor.fetchall()
        }

    def lock(self, cursor: CursorWrapper, type_key: str, object_ids: list[int]) -> None:
        # transaction_mode=IMMEDIATE: the transaction already holds the database's write lock.
        return None


class PostgresEngine:
    """A tsvector column (title A, body B) with a GIN index; ts_headline on a bounded excerpt."""

    CANCELED = "57014"  # query_canceled: statement_timeout

    @contextmanager
    def time_limit(self, milliseconds: int) -> Iterator[None]:
        # SET LOCAL lasts until the transaction ends: the search gets one of its own.
        nested = connection.in_atomic_block
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                    [f"{max(1, milliseconds)}ms"],
                )
                previous = cursor.fetchone()[0]
                yield
                if nested:  # inside a caller's transaction, which goes on: back to what it was
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == self.CANCELED:
                raise SearchTimeout from exc
            raise

    def rank(
        self,
        cursor: CursorWrapper,
        words: Sequence[str],
        scope: str,
        scope_params: list[Any],
        *,
        cap: int,
        limit: int,
        offset: int,
    ) -> list[Ranked]:
        # The newest `cap` matches are fetched first (a GIN bitmap scan for rare words, a backward walk
        # of the primary key for common ones) and materialised, so the scope is checked for at most
        # that many rows.
        text = " ".join(words)
        sql = (
            "WITH c AS MATERIALIZED (SELECT d.id, d.search_vector FROM search_document d"  # noqa: S608 - `scope` is fixed SQL + params
            "  WHERE d.search_vector @@ plainto_tsquery('english', %s) ORDER BY d.id DESC LIMIT %s)"
            " SELECT d.id, d.type, d.object_id, ts_rank_cd(c.search_vector, q)"
            " / (1.0 + EXTRACT(EPOCH FROM (now() - d.created_at)) / 7776000.0) AS score"
            " FROM c CROSS JOIN plainto_tsquery('english', %s) q"
            " JOIN search_document d ON d.id = c.id"
            f" WHERE {scope}"
            " ORDER BY score DESC, d.id DESC LIMIT %s OFFSET %s"
        )
        cursor.execute(sql, [text, cap, text, *scope_params, limit, offset])
        return [Ranked(int(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in cursor.fetchall()]

    def fragments(self, cursor: CursorWrapper, words: Sequence[str], ids: list[int]) -> dict[int, Shown]:
        if not ids:
            return {}
        options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12, MaxFragments=2"
        cursor.execute(
            "SELECT d.id,"
            " CASE WHEN d.title = '' THEN '' ELSE ts_headline('english', d.title, q, %s) END,"
            " ts_headline('english', left(d.body, %s), q, %s), d.created_at"
            " FROM search_document d CROSS JOIN plainto_tsquery('english', %s) q"
            " WHERE d.id = ANY(%s)",
            [options + ", HighlightAll=true", EXCERPT_CHARS, options, " ".join(words), ids],
        )
        return {int(r[0]): Shown(r[1] or "", r[2] or "", r[3]) for r in cursor.fetchall()}

    def lock(self, cursor: CursorWrapper, type_key: str, object_ids: list[int]) -> None:
        # Two refreshes of one document (an edit right after its creation) take turns, so the later
        # one reads the later state. Locks are taken in id order: no deadlock between batches.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), (o.id %% 2147483647)::int)"
            " FROM (SELECT id FROM unnest(%s::bigint[]) AS u(id) ORDER BY id) o",
            [type_key, sorted(object_ids)],
        )


def engine() -> Engine:
    """The engine of the default database."""
    if connection.vendor == "postgresql":
        return PostgresEngine()
    if connection.vendor == "sqlite":
        return SqliteEngine()
    raise NotImplementedError(f"search supports SQLite and PostgreSQL, not {connection.vendor}")
