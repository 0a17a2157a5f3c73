"""Full-text search over posts, one interface for two engines.

- SQLite (embedded): an FTS5 virtual table `discussions_post_fts` (rowid = post id, columns title, body);
- PostgreSQL: a table `discussions_post_search` with a `tsvector` document and a GIN index.

Both are created by migration 0002 and kept in sync by the actions (`index_post` / `unindex_post`).
Visibility is part of the SQL: the query joins posts and topics and keeps only rows whose space is in
the searcher's readable spaces (a subquery built by the Guardian), so nothing is filtered afterwards.
Ranking mixes relevance (bm25 / ts_rank_cd) with recency (a 90-day decay). Only the newest
CANDIDATE_CAP matches of a query are ranked, so very common words stay fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils.html import escape, strip_tags

from townhall.discussions.models import Post, Topic

if TYPE_CHECKING:
    from townhall.policy import Guardian

MARK_START = "\x02"
MARK_END = "\x03"
MAX_QUERY_CHARS = 200
MAX_TERMS = 12
PAGE_SIZE = 20
MAX_PAGES = 50
CANDIDATE_CAP = 5000  # at most this many (newest) matches are ranked; see _search_sqlite
_TERM = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def plain_text(html: str) -> str:
    """Indexed text: the rendered post without markup (and without our highlight marks)."""
    return _CONTROL.sub(" ", unescape(strip_tags(html)))


# --- keeping the index in sync (called by actions inside their transaction) ----------------------------
def index_post(post: Post, *, title: str = "") -> None:
    """(Re)index one post; the opening post also carries the topic title."""
    text = plain_text(post.body_html)
    title = _CONTROL.sub(" ", title) if post.position == 1 else ""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM discussions_post_fts WHERE rowid = %s", [post.pk])
            cursor.execute(
                "INSERT INTO discussions_post_fts(rowid, title, body) VALUES (%s, %s, %s)",
                [post.pk, title, text],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO discussions_post_search (post_id, title, body, document) VALUES (%s, %s, %s,"
                " setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'B'))"
                " ON CONFLICT (post_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,"
                " document = EXCLUDED.document",
                [post.pk, title, text, title, text],
            )


def unindex_post(post_id: int) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM discussions_post_fts WHERE rowid = %s", [post_id])
        elif connection.vendor == "postgresql":
            cursor.execute("DELETE FROM discussions_post_search WHERE post_id = %s", [post_id])


# --- searching -----------------------------------------------------------------------------------
@dataclass
class SearchFilters:
    space_id: int | None = None
    author_id: int | None = None
    tag_id: int | None = None
    kind: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    solved: bool | None = None
    topic_id: int | None = None


@dataclass
class Hit:
    post: Post
    topic: Topic
    snippet_html: str
    title_html: str
    score: float


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def fts5_query(text: str) -> str:
    """User text to a safe FTS5 expression: every word quoted (so no operators), all required."""
    terms = _TERM.findall(text[:MAX_QUERY_CHARS])[:MAX_TERMS]
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def highlight(fragment: str) -> str:
    """Escape everything, then turn the engine's marks into <mark>."""
    return escape(fragment).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _scope_sql(guardian: Guardian, filters: SearchFilters) -> tuple[str, list[Any]]:
    from townhall.spaces.models import Space

    readable_sql, readable_params = (
        guardian.spaces.readable(Space.objects.all()).values("pk").query.sql_with_params()
    )
    where = [
        f"t.space_id IN ({readable_sql})",
        "t.deleted_at IS NULL",
        "p.deleted_at IS NULL",
        "p.hidden = %s",
    ]
    params: list[Any] = [*readable_params, False]
    if guardian.user_id is not None:
        where.append("(t.hidden = %s OR t.author_id = %s)")
        params += [False, guardian.user_id]
    else:
        where.append("t.hidden = %s")
        params.append(False)
    if filters.space_id is not None:
        where.append("t.space_id = %s")
        params.append(filters.space_id)
    if filters.topic_id is not None:
        where.append("t.id = %s")
        params.append(filters.topic_id)
    if filters.author_id is not None:
        where.append("p.author_id = %s")
        params.append(filters.author_id)
    if filters.kind:
        where.append("t.kind = %s")
        params.append(filters.kind)
    if filters.tag_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM discussions_topictag tt WHERE tt.topic_id = t.id AND tt.tag_id = %s)"
        )
        params.append(filters.tag_id)
    if filters.solved is True:
        where.append("t.accepted_post_id IS NOT NULL")
    elif filters.solved is False:
        where.append("t.accepted_post_id IS NULL")
    if filters.after is not None:
        where.append("p.created_at >= %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.after))
    if filters.before is not None:
        where.append("p.created_at < %s")
        params.append(connection.ops.adapt_datetimefield_value(filters.before))
    return " AND ".join(where), params


def search(guardian: Guardian, text: str, *, filters: SearchFilters | None = None, page: int = 1) -> Results:
    """Posts matching `text` that the searcher may read, best first, PAGE_SIZE per page."""
    filters = filters or SearchFilters()
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    page = max(1, min(page, MAX_PAGES))
    results = Results(query=text, page=page)
    if not _TERM.search(text):
        return results
    scope, scope_params = _scope_sql(guardian, filters)
    offset = (page - 1) * PAGE_SIZE
    if connection.vendor == "sqlite":
        rows, snippets = _search_sqlite(text, scope, scope_params, offset)
    elif connection.vendor == "postgresql":
        rows, snippets = _search_postgres(text, scope, scope_params, offset)
    else:  # pragma: no cover - only the two supported engines
        return results
    results.has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    posts = Post.objects.select_related("author", "topic", "topic__space").in_bulk([r[0] for r in rows])
    for post_id, score in rows:
        post = posts.get(post_id)
        if post is None:
            continue
        title_snip, body_snip = snippets.get(post_id, ("", ""))
        title_html = highlight(title_snip) if title_snip else escape(post.topic.title)
        results.hits.append(
            Hit(
                post=post,
                topic=post.topic,
                snippet_html=highlight(body_snip),
                title_html=title_html,
                score=score,
            )
        )
    return results


def _search_sqlite(
    text: str, scope: str, scope_params: list[Any], offset: int
) -> tuple[list[tuple[int, float]], dict[int, tuple[str, str]]]:
    match = fts5_query(text)
    if not match:
        return [], {}
    # bm25 is negative (more negative = better); dividing by the age factor pulls old posts towards 0.
    sql = (
        "SELECT f.rowid, -bm25(discussions_post_fts, 4.0, 1.0)"  # noqa: S608 - `scope` is fixed SQL + params
        " / (1.0 + (julianday('now') - julianday(p.created_at)) / 90.0) AS score"
        " FROM discussions_post_fts f"
        " JOIN discussions_post p ON p.id = f.rowid"
        " JOIN discussions_topic t ON t.id = p.topic_id"
        f" WHERE discussions_post_fts MATCH %s AND {scope}"
        # Cap the ranked candidates: only the newest CANDIDATE_CAP matches are scored. FTS5 pushes the
        # rowid bound into its scan, so a word found in half of all posts costs no more than a rare one.
        " AND f.rowid >= (SELECT COALESCE(MIN(rowid), 0) FROM (SELECT rowid FROM discussions_post_fts"
        "  WHERE discussions_post_fts MATCH %s ORDER BY rowid DESC LIMIT %s))"
        " ORDER BY score DESC, f.rowid DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *scope_params, match, CANDIDATE_CAP, PAGE_SIZE + 1, offset])
        rows = [(int(r[0]), float(r[1])) for r in cursor.fetchall()]
        snippets: dict[int, tuple[str, str]] = {}
        ids = [r[0] for r in rows[:PAGE_SIZE]]
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                "SELECT rowid, highlight(discussions_post_fts, 0, %s, %s),"  # noqa: S608 - only placeholders
                " snippet(discussions_post_fts, 1, %s, %s, '…', 24)"
                f" FROM discussions_post_fts WHERE discussions_post_fts MATCH %s AND rowid IN ({marks})",
                [MARK_START, MARK_END, MARK_START, MARK_END, match, *ids],
            )
            snippets = {int(r[0]): (r[1] or "", r[2] or "") for r in cursor.fetchall()}
    return rows, snippets


def _search_postgres(
    text: str, scope: str, scope_params: list[Any], offset: int
) -> tuple[list[tuple[int, float]], dict[int, tuple[str, str]]]:
    # The newest CANDIDATE_CAP matches are fetched first (a GIN bitmap scan for rare words, a backward
    # walk of the primary key for common ones) and materialised, so the planner joins posts and topics
    # for at most that many rows instead of hashing the whole posts table.
    sql = (
        "WITH c AS MATERIALIZED (SELECT s.post_id, s.document FROM discussions_post_search s"  # noqa: S608 - `scope` is fixed SQL + params
        "  WHERE s.document @@ websearch_to_tsquery('english', %s) ORDER BY s.post_id DESC LIMIT %s)"
        " SELECT p.id, ts_rank_cd(c.document, q)"
        " / (1.0 + EXTRACT(EPOCH FROM (now() - p.created_at)) / 7776000.0) AS score"
        " FROM c CROSS JOIN websearch_to_tsquery('english', %s) q"
        " JOIN discussions_post p ON p.id = c.post_id"
        " JOIN discussions_topic t ON t.id = p.topic_id"
        f" WHERE {scope}"
        " ORDER BY score DESC, p.id DESC LIMIT %s OFFSET %s"
    )
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=12, MaxFragments=2"
    with connection.cursor() as cursor:
        cursor.execute(sql, [text, CANDIDATE_CAP, text, *scope_params, PAGE_SIZE + 1, offset])
        rows = [(int(r[0]), float(r[1])) for r in cursor.fetchall()]
        snippets: dict[int, tuple[str, str]] = {}
        ids = [r[0] for r in rows[:PAGE_SIZE]]
        if ids:
            cursor.execute(
                "SELECT s.post_id,"
                " CASE WHEN s.title = '' THEN '' ELSE ts_headline('english', s.title, q, %s) END,"
                " ts_headline('english', s.body, q, %s)"
                " FROM discussions_post_search s CROSS JOIN websearch_to_tsquery('english', %s) q"
                " WHERE s.post_id = ANY(%s)",
                [options + ", HighlightAll=true", options, text, ids],
            )
            snippets = {int(r[0]): (r[1] or "", r[2] or "") for r in cursor.fetchall()}
    return rows, snippets


def resolve_filters(
    guardian: Guardian,
    *,
    space: str | None = None,
    author: str | None = None,
    tag: str | None = None,
    kind: str | None = None,
    solved: bool | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    topic: int | None = None,
) -> SearchFilters | None:
    """Turn slugs and names into ids. None when a filter names something unknown (no results)."""
    from townhall.accounts.models import User
    from townhall.discussions.models import Tag
    from townhall.spaces.models import Space

    filters = SearchFilters(kind=kind or None, solved=solved, after=after, before=before, topic_id=topic)
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
    if tag:
        tag_id = Tag.objects.filter(slug=tag[:50]).values_list("pk", flat=True).first()
        if tag_id is None:
            return None
        filters.tag_id = tag_id
    return filters


def day_bound(value: date | None, *, end: bool = False) -> datetime | None:
    """A calendar day as a UTC instant: its start, or (end=True) the start of the next day."""
    if value is None:
        return None
    moment = datetime.combine(value, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment
