"""Keyset (cursor) pagination: stable under inserts and constant-time per page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from townhall.core.ids import MAX_LIMIT


class BadCursor(ValueError):
    pass


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise BadCursor("That page link is not valid; start from the first page.") from None
    if not isinstance(values, list) or len(values) != size:
        raise BadCursor("That page link is not valid; start from the first page.")
    return values


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def paginate(qs: QuerySet, *, order: tuple[str, ...], cursor: str | None, limit: int) -> Page:
    """Order qs by `order` (fields, '-' for descending, the last one unique) and return one page.

    The cursor holds the values of the last row's ordering fields.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    qs = qs.order_by(*order)
    if cursor:
        values = decode_cursor(cursor, len(order))
        condition = Q()
        for i, field in enumerate(order):
            name = field.lstrip("-")
            op = "lt" if field.startswith("-") else "gt"
            step = Q(**{f"{name}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{order[j].lstrip("-"): values[j]})
            condition |= step
        qs = qs.filter(condition)
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([_value(last, f.lstrip("-")) for f in order])
    return Page(items=rows, next_cursor=next_cursor)


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return obj
