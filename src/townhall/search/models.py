"""The one search index: a document per searchable thing, whatever app it comes from.

Rows are derived data, rebuilt from the apps' own rows (`townhall manage reindex`), so the ids they
carry are plain integers rather than foreign keys. The text index beside the table is engine-specific
and kept by the database itself (see migration 0001 and `engines.py`):

- SQLite: an external-content FTS5 table `search_document_fts` (rowid = document id; columns title and
  body) that triggers keep equal to this table;
- PostgreSQL: a `search_vector` tsvector column (title weighted A, body B), set by a trigger when the
  title or body is written, with a GIN index.

A document keeps its row id when it is refreshed, so the newest-first candidate cap stays meaningful.
"""

from __future__ import annotations

from django.db import models

TYPE_MAX = 30
VISIBILITY_MAX = 40


class Document(models.Model):
    type = models.CharField(max_length=TYPE_MAX)  # a registered SearchType's key, e.g. "post"
    object_id = models.BigIntegerField()
    space_id = models.BigIntegerField(null=True, blank=True)
    container_id = models.BigIntegerField(null=True, blank=True)  # the topic, thread or event
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    author_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    visibility = models.CharField(max_length=VISIBILITY_MAX, blank=True, default="")  # "" or "user:<id>"

    class Meta:
        constraints = [
            # Refreshing looks documents up by (type, object id); reindexing sweeps a type by object id.
            models.UniqueConstraint(fields=["type", "object_id"], name="search_document_object"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_id}"
