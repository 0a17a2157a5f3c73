"""Inserting many rows of one model quickly, for the apps' bulk layers (no domain knowledge here).

`QuerySet.bulk_create` prepares every value through the query compiler and wants model instances,
which together cost about 200 µs a row for a post on a busy two-core machine; seeding a million
posts (and their Activity, follow and read rows) that way takes many minutes. `insert_rows` takes
plain tuples, prepares each column with the field's own database conversion only where that does
more than pass a value through, and sends one multi-row INSERT per chunk: a few µs a row.

Columns are the model's attnames; a column left out takes the field's default (auto_now and
auto_now_add fields: now), evaluated once per call. Like bulk_create: no save(), no signals, no
validation — the bulk layers clean their input first. `returning=True` gives the new primary keys in
the order of the rows (RETURNING on PostgreSQL and SQLite ≥ 3.35, as bulk_create relies on too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg.types.json import Jsonb

MAX_ROWS_PER_STATEMENT = 1000
UNNEST_ROWS = 5000  # rows per INSERT … SELECT FROM UNNEST on PostgreSQL

# Fields whose database value is the Python value itself (ints, strings, booleans, None): their
# get_prep_value only coerces the type, which the callers' values already have. Exact classes only,
# since a subclass may convert.
_PASS_THROUGH = {
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.CharField,
    models.SlugField,
    models.EmailField,
    models.TextField,
    models.BooleanField,
}


class JsonText(str):
    """A value already encoded as JSON for a JSONField column (a bulk layer that measured the text
    keeps it): inserted as it is, not encoded a second time."""


def _converter(field: models.Field, seen: dict[datetime, Any]) -> Callable[[Any], Any] | None:
    """How a column's values become parameters: None when they pass as they are. `seen` remembers
    converted times for the whole call: rows often repeat one (joined = onboarded = created)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if type(target) in _PASS_THROUGH:
        return None
    if type(target) is models.DateTimeField:
        # What get_db_prep_save ends with for an aware time, without its checks on values that need
        # none: PostgreSQL takes it as it is; SQLite (its connection in UTC) as naive ISO text in UTC,
        # which is the aware time's text in UTC without its "+00:00" (str(naive) is isoformat(" ")).
        postgres = connection.vendor == "postgresql"
        sqlite_utc = connection.vendor == "sqlite" and connection.timezone_name == "UTC"

        def datetime_value(value: Any) -> Any:
            if value is None:
                return None
            aware = isinstance(value, datetime) and value.utcoffset() is not None
            if aware and postgres:
                return value
            if aware and sqlite_utc:
                found = seen.get(value)
                if found is None:
                    found = seen[value] = value.astimezone(UTC).isoformat(" ")[:-6]
                return found
            return field.get_db_prep_save(value, connection)

        return datetime_value
    if isinstance(target, models.JSONField):
        postgres = connection.vendor == "postgresql"

        def json_value(value: Any) -> Any:
            if type(value) is JsonText:
                return Jsonb(value, dumps=str) if postgres else str(value)
            return field.get_db_prep_save(value, connection)

        return json_value
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning: bool = False,
    ignore_conflicts: bool = False,
    update_conflicts: Sequence[str] = (),
    unique: Sequence[str] = (),
) -> list[int]:
    """INSERT `rows` (tuples in the order of `columns`) into `model`'s table.

    `returning`: the new primary keys, in order. `ignore_conflicts`: rows that clash with a unique
    constraint are skipped. `update_conflicts` (with `unique`, the clashing columns): the clashing
    row's columns are set from the new one. Returns [] unless `returning`.
    """
    rows = list(rows)
    if not rows:
        return []
    if returning and (ignore_conflicts or update_conflicts):
        raise ValueError("RETURNING does not say which rows a conflict clause skipped")
    opts = model._meta
    by_attname = {f.attname: f for f in opts.concrete_fields}
    given = [by_attname[name] for name in columns]
    now = timezone.now()
    defaults: list[tuple[models.Field, Any]] = []
    for field in opts.concrete_fields:
        if field.attname in columns or field.primary_key:
            continue
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        value = now if auto else field.get_default()
        defaults.append((field, field.get_db_prep_save(value, connection)))
    fields = given + [field for field, _ in defaults]
    constants = tuple(value for _, value in defaults)
    seen: dict[datetime, Any] = {}
    converters = [_converter(field, seen) for field in given]
    quote = connection.ops.quote_name

    def column(field: models.Field) -> str:
        return quote(field.column or field.attname)

    tail = ""
    if ignore_conflicts:
        tail = " ON CONFLICT DO NOTHING"
    elif update_conflicts:
        targets = ", ".join(column(by_attname[name]) for name in unique)
        sets = ", ".join(
            f"{column(by_attname[name])} = EXCLUDED.{column(by_attname[name])}" for name in update_conflicts
        )
        tail = f" ON CONFLICT ({targets}) DO UPDATE SET {sets}"
    if returning:
        tail += f" RETURNING {column(opts.pk)}"
    converted = [(i, c) for i, c in enumerate(converters) if c is not None]

    def prepared(chunk: list[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in chunk:
            if len(row) != len(given):
                raise ValueError(f"a row of {len(row)} values for {len(given)} columns")
            if converted:  # only the columns that need it, in place in a copy
                row = list(row)
                for i, convert in converted:
                    row[i] = convert(row[i])
            yield row

    columns_sql = f"INSERT INTO {quote(opts.db_table)} ({', '.join(column(f) for f in fields)})"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and all(_unnestable(f) for f in fields):
            # One array per column, whatever the number of rows: a short statement that psycopg
            # and the planner take quickly (thousands of "%s" cost more than the insert itself).
            arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)  # type: ignore[union-attr]
            sql = f"{columns_sql} SELECT * FROM UNNEST({arrays}){tail}"  # noqa: S608 - names from the model
            for start in range(0, len(rows), UNNEST_ROWS):
                chunk = rows[start : start + UNNEST_ROWS]
                values = [list(c) for c in zip(*prepared(chunk), strict=True)] if given else []
                values += [[value] * len(chunk) for value in constants]
                cursor.execute(sql, values)
                if returning:
                    ids.extend(row[0] for row in cursor.fetchall())
            return ids
        width = len(fields)
        limit = connection.features.max_query_params or MAX_ROWS_PER_STATEMENT * width
        per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, limit // width))
        placeholder = "(" + ", ".join(["%s"] * width) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in prepared(chunk):
                params.extend(row)
                params.extend(constants)
            cursor.execute(f"{columns_sql} VALUES {', '.join([placeholder] * len(chunk))}{tail}", params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def _unnestable(field: models.Field) -> bool:
    """A column PostgreSQL can take as an array of its type (as Django's own bulk insert decides)."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    return target.get_internal_type() in connection.data_types and not hasattr(field, "get_placeholder_sql")
