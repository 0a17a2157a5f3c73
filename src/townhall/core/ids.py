"""Integers that arrive from outside (URL parts, query strings, JSON) stay inside what the database holds.

A 64-bit primary key holds at most 2**63 - 1; SQLite raises OverflowError beyond it and PostgreSQL an
out-of-range error, so every integer a request carries is checked here first and answers 404 or 4xx.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1
MAX_PAGE = 100_000
MAX_LIMIT = 100  # the most rows one page of a list holds

# For Ninja path, query and body fields: `topic_id: Id`, `page: PageNumber`.
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


def parse_id(value: object, default: int = 0) -> int:
    """An id from a query string or form: `default` when it is missing, not a number or out of range."""
    try:
        number = int(str(value)) if value not in (None, "") else default
    except ValueError:
        return default
    return number if 0 <= number <= MAX_ID else default


def parse_page(value: object) -> int:
    """A page number from a query string: 1 when missing or bad, at most MAX_PAGE."""
    return max(1, min(parse_id(value, 1), MAX_PAGE))


class IdConverter:
    """`<id:name>` in URL patterns: digits that fit a 64-bit key (a longer number is simply no match, a 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
