"""The full-text index (SQLite FTS5 or a PostgreSQL tsvector table with a GIN index) and default reactions."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS discussions_post_fts USING fts5("
    "title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS discussions_post_fts"]

POSTGRES_UP = [
    "CREATE TABLE IF NOT EXISTS discussions_post_search ("
    " post_id bigint PRIMARY KEY,"  # no FK: a TRUNCATE of posts (test flush) must not fail
    " title text NOT NULL DEFAULT '',"
    " body text NOT NULL DEFAULT '',"
    " document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS discussions_post_search_doc ON discussions_post_search USING GIN (document)",
]
POSTGRES_DOWN = ["DROP TABLE IF EXISTS discussions_post_search"]

DEFAULT_REACTIONS = [
    ("👍", "Thumbs up"),
    ("❤️", "Heart"),
    ("🎉", "Celebrate"),
    ("😄", "Laugh"),
    ("🤔", "Thinking"),
    ("👀", "Eyes"),
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = SQLITE_UP if vendor == "sqlite" else POSTGRES_UP if vendor == "postgresql" else []
    for sql in statements:
        schema_editor.execute(sql)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = SQLITE_DOWN if vendor == "sqlite" else POSTGRES_DOWN if vendor == "postgresql" else []
    for sql in statements:
        schema_editor.execute(sql)


def seed_reactions(apps, schema_editor):
    ReactionChoice = apps.get_model("discussions", "ReactionChoice")
    for i, (emoji, label) in enumerate(DEFAULT_REACTIONS):
        ReactionChoice.objects.get_or_create(emoji=emoji, defaults={"label": label, "position": i})


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial")]

    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(seed_reactions, migrations.RunPython.noop),
    ]
