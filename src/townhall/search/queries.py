"""Searching the one index: what the searcher may read, best first, shown by each type's own template.

Visibility is part of the SQL: a document is a candidate only when its space is among the searcher's
readable spaces (a subquery built by the Guardian) and its visibility key is "" or "user:<searcher>",
so nothing is filtered afterwards. Only the newest CANDIDATE_CAP matches are ranked, every query runs
under a time limit, and snippets come from a bounded excerpt: no content makes one search slow.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.utils.html import escape

from townhall.accounts.models import Block, User
from townhall.core.registries import SearchType, search_types
from townhall.search.engines import SearchTimeout, engine
from townhall.search.snippets import highlight
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PAGE_SIZE = 20
MAX_PAGES = 50
CANDIDATE_CAP = 5000  # at most this many (newest) matches are ranked
TIME_LIMIT_MS = 2000  # unless settings.SEARCH_TIME_LIMIT_MS says otherwise
TIMEOUT_MESSAGE = "That search took too long and was stopped. Try fewer common words, or add a filter."
_WORD = re.compile(r"\w+", re.UNICODE)


class SearchFilters:
    """What narrows a search: space, author, type, dates, and the filters one type understands (by
    name, as the type registered them: `SearchFilters(kind="question", topic=12)`)."""

    def __init__(
        self,
        *,
        space_id: int | None = None,
        author_id: int | None = None,
        type: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
        **by_type: Any,
    ) -> None:
        self.space_id = space_id
        self.author_id = author_id
        self.type = type or None
        self.after = after
        self.before = before
        self.by_type = {name: value for name, value in by_type.items() if value is not None and value != ""}

    def __repr__(self) -> str:
        return f"SearchFilters({self.__dict__!r})"


@dataclass
class Hit:
    type: str
    object_id: int
    object: Any  # what the type's load() gave for object_id
    title_html: str
    snippet_html: str
    score: float
    created_at: datetime

    @property
    def template(self) -> str:
        return search_types[self.type].hit_template


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False
    message: str = ""  # why there are no results although there may be some (the time limit)


def words_of(text: str) -> list[str]:
    """The words a query searches for: at most MAX_TERMS, from its first MAX_QUERY_CHARS characters."""
    return _WORD.findall(text[:MAX_QUERY_CHARS])[:MAX_TERMS]


def _types_in(filters: SearchFilters) -> list[SearchType]:
    if filters.type is None:
        return list(search_types)
    return [search_types[filters.type]]  # LookupError for a type nobody registered


def _scope_sql(guardian: Guardian, filters: SearchFilters, types: list[SearchType]) -> tuple[str, list[Any]]:
    readable_sql, readable_params = (
        guardian.spaces.readable(Space.objects.all()).values("pk").query.sql_with_params()
    )
    where = [f"d.space_id IN ({readable_sql})", f"d.type IN ({', '.join(['%s'] * len(types))})"]
    params: list[Any] = [*readable_params, *(t.key for t in types)]
    if guardian.user_id is not None:
        where.append("d.visibility IN (%s, %s)")
        params += ["", f"user:{guardian.user_id}"]
        # Nothing written by people this person blocked: "you no longer see their messages anywhere".
        blocks = f"SELECT b.blocked_id FROM {Block._meta.db_table} b WHERE b.blocker_id = %s"  # noqa: S608 - a table name
        where.append(f"(d.author_id IS NULL OR d.author_id NOT IN ({blocks}))")
        params.append(guardian.user_id)
    else:
        where.append("d.visibility = %s")
        params.append("")
    if filters.space_id is not None:
        where.append("d.space_id = %s")
        params.append(filters.space_id)
    if filters.author_id is not None:
        where.append("d.author_id = %s")
        params.append(filters.author_id)
    if filters.after is not None:
        where.append("d.created_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.after))
    if filters.before is not None:
        where.append("d.created_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.before))
    for name, value in filters.by_type.items():
        if not any(name in t.filters for t in search_types):
            raise LookupError(f"no search type understands the filter {name!r}")
        # Only documents of a type that understands the filter can satisfy it.
        either = []
        for search_type in types:
            if name in search_type.filters:
                sql, sql_params = search_type.filters[name].where(value)
                either.append(f"(d.type = %s AND ({sql}))")
                params += [search_type.key, *sql_params]
        where.append(f"({' OR '.join(either)})" if either else "1 = 0")
    return " AND ".join(where), params


def search(guardian: Guardian, text: str, *, filters: SearchFilters | None = None, page: int = 1) -> Results:
    """Documents matching every word of `text` that the searcher may read, best first, PAGE_SIZE per
    page, each with its type's object (hits whose object has gone since are left out)."""
    filters = filters or SearchFilters()
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    page = max(1, min(page, MAX_PAGES))
    results = Results(query=text, page=page)
    words = words_of(text)
    types = _types_in(filters)
    if not words or not types:
        return results
    scope, scope_params = _scope_sql(guardian, filters, types)
    fts = engine()
    limit_ms = int(getattr(settings, "SEARCH_TIME_LIMIT_MS", TIME_LIMIT_MS))
    try:
        with fts.time_limit(limit_ms), connection.cursor() as cursor:
            rows = fts.rank(
                cursor,
                words,
                scope,
                scope_params,
                cap=CANDIDATE_CAP,
                limit=PAGE_SIZE + 1,
                offset=(page - 1) * PAGE_SIZE,
            )
            results.has_next = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
            fragments = fts.fragments(cursor, words, [r.id for r in rows])
    except SearchTimeout:
        results.message = TIMEOUT_MESSAGE
        return results
    wanted: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row.type].append(row.object_id)
    loaded = {key: search_types[key].load(ids) for key, ids in wanted.items()}
    for row in rows:
        obj = loaded[row.type].get(row.object_id)
        shown = fragments.get(row.id)
        if obj is None or shown is None:
            continue  # gone since it was ranked
        # A document's own title shows its matches; one without (a reply) shows its object's title.
        title_html = highlight(shown.title) if shown.title else escape(search_types[row.type].title(obj))
        results.hits.append(
            Hit(
                type=row.type,
                object_id=row.object_id,
                object=obj,
                title_html=title_html,
                snippet_html=highlight(shown.snippet),
                score=row.score,
                created_at=shown.created_at,
            )
        )
    return results


def resolve_filters(
    guardian: Guardian,
    *,
    space: str | None = None,
    author: str | None = None,
    type: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    **by_type: Any,
) -> SearchFilters | None:
    """Turn a space slug and a username into ids. None when one names something unknown or unseen
    (no results, as for any search that finds nothing)."""
    filters = SearchFilters(type=type, after=after, before=before, **by_type)
    if space:
        found = Space.objects.filter(slug=space[:90]).first()
        if found is None or not guardian.spaces.read.can(found):
            return None
        filters.space_id = found.pk
    if author:
        user_id = User.objects.filter(username__iexact=author[:150]).values_list("pk", flat=True).first()
        if user_id is None:
            return None
        filters.author_id = user_id
    return filters


def day_bound(value: date | None, *, end: bool = False) -> datetime | None:
    """A calendar day as a UTC instant: its start, or (end=True) the start of the next day."""
    if value is None:
        return None
    moment = datetime.combine(value, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment
