"""The document table and its text index: FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL.

The text index is kept by the database (triggers), so every write to the table, from the ORM or from
SQL (a data migration, a bulk load), leaves the two equal.
"""

from django.db import migrations, models

SQLITE_UP = [
    # External content: the text lives once, in search_document; FTS5 keeps only the inverted index.
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "title, body, content='search_document', content_rowid='id',"
    " tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN"
    " INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN"
    " INSERT INTO search_document_fts(search_document_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " END",
    # Only a changed title or body touches the text index (a move to another space does not).
    "CREATE TRIGGER search_document_au AFTER UPDATE OF title, body ON search_document BEGIN"
    " INSERT INTO search_document_fts(search_document_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_document_au",
    "DROP TRIGGER IF EXISTS search_document_ad",
    "DROP TRIGGER IF EXISTS search_document_ai",
    "DROP TABLE IF EXISTS search_document_fts",
]

POSTGRES_UP = [
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE FUNCTION search_document_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " NEW.search_vector := setweight(to_tsvector('english'::regconfig, NEW.title), 'A')"
    " || setweight(to_tsvector('english'::regconfig, NEW.body), 'B');"
    " RETURN NEW; END $$",
    "CREATE TRIGGER search_document_vector BEFORE INSERT OR UPDATE OF title, body ON search_document"
    " FOR EACH ROW EXECUTE FUNCTION search_document_vector()",
    "CREATE INDEX search_document_vector_gin ON search_document USING GIN (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    "DROP TRIGGER IF EXISTS search_document_vector ON search_document",
    "DROP FUNCTION IF EXISTS search_document_vector()",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, sqlite, postgres):
    vendor = schema_editor.connection.vendor
    for sql in sqlite if vendor == "sqlite" else postgres if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def create_text_index(apps, schema_editor):
    _run(schema_editor, SQLITE_UP, POSTGRES_UP)


def drop_text_index(apps, schema_editor):
    _run(schema_editor, SQLITE_DOWN, POSTGRES_DOWN)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("type", models.CharField(max_length=30)),
                ("object_id", models.BigIntegerField()),
                ("space_id", models.BigIntegerField(blank=True, null=True)),
                ("container_id", models.BigIntegerField(blank=True, null=True)),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("author_id", models.BigIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
                ("visibility", models.CharField(blank=True, default="", max_length=40)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("type", "object_id"), name="search_document_object")
                ],
            },
        ),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
