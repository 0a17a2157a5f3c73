"""Posts move to the shared search index: their documents are copied from the old per-app index (the
very text that was searchable before, so nothing is re-rendered), by the rules the search app keeps
them by (discussions.search_docs), and the old index is dropped.

Rules: no document for hidden or deleted posts or posts of deleted topics; the opening post carries the
topic's title; the posts of a hidden topic are found by the topic's author only ("user:<id>").
`townhall manage reindex --type post` rebuilds the same documents from the posts themselves.
"""

from django.db import migrations

COPY = (
    "INSERT INTO search_document"
    " (type, object_id, space_id, container_id, title, body, author_id, created_at, visibility)"
    " SELECT 'post', p.id, t.space_id, t.id,"
    " CASE WHEN p.position = 1 THEN {title} ELSE '' END, s.body, p.author_id, p.created_at,"
    " CASE WHEN t.hidden THEN 'user:' || t.author_id ELSE '' END"
    " FROM {old} s"
    " JOIN discussions_post p ON p.id = s.{old_id}"
    " JOIN discussions_topic t ON t.id = p.topic_id"
    " WHERE NOT p.hidden AND p.deleted_at IS NULL AND t.deleted_at IS NULL"
    " AND (NOT t.hidden OR t.author_id IS NOT NULL)"
    " ORDER BY p.id"  # row ids follow the posts' age: newest-first stays meaningful
)
SQLITE_COPY = COPY.format(
    old="discussions_post_fts", old_id="rowid", title="replace(replace(t.title, char(2), ' '), char(3), ' ')"
)
POSTGRES_COPY = COPY.format(
    old="discussions_post_search", old_id="post_id", title="translate(t.title, chr(2) || chr(3), '  ')"
)

# Going back: the old index, filled from the documents of posts.
SQLITE_OLD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS discussions_post_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO discussions_post_fts(rowid, title, body)"
    " SELECT object_id, title, body FROM search_document WHERE type = 'post' ORDER BY object_id",
]
POSTGRES_OLD = [
    "CREATE TABLE IF NOT EXISTS discussions_post_search ("
    " post_id bigint PRIMARY KEY, title text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '',"
    " document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS discussions_post_search_doc ON discussions_post_search USING GIN (document)",
    "INSERT INTO discussions_post_search (post_id, title, body, document)"
    " SELECT object_id, title, body, setweight(to_tsvector('english', title), 'A')"
    " || setweight(to_tsvector('english', body), 'B') FROM search_document WHERE type = 'post'",
]


def move_to_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_COPY)
        schema_editor.execute("DROP TABLE IF EXISTS discussions_post_fts")
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_COPY)
        schema_editor.execute("DROP TABLE IF EXISTS discussions_post_search")


def back_to_own_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_OLD if vendor == "sqlite" else POSTGRES_OLD if vendor == "postgresql" else []:
        schema_editor.execute(sql)
    schema_editor.execute("DELETE FROM search_document WHERE type = 'post'")


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0004_topic_version"),
        ("search", "0001_initial"),
    ]

    operations = [migrations.RunPython(move_to_search_index, back_to_own_index)]
