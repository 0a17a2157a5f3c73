"""Input shapes shared by every app's API: text that a database and an XML document can both hold.

Django's form fields refuse the NUL character ("\\0") for the HTML pages; the API needs the same rule,
or PostgreSQL refuses the row (a 500) and SQLite stores text no feed can carry. `InputSchema` is the base
of every request body and query schema and rejects NUL in any text field, however deeply nested (lists of
tags, links); `Text` does the same for a single path or query parameter. Either answers 422 with the
field's name through the API's one error shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, field_validator
from pydantic_core import PydanticCustomError

NUL_MESSAGE = "must not contain the NUL character (\\0)"


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_contains_nul(v) for v in value)
    return False


def reject_nul(value: Any) -> Any:
    """Return `value` unchanged, or raise a validation error when any text in it holds a NUL."""
    if _contains_nul(value):
        raise PydanticCustomError("nul_character", NUL_MESSAGE)
    return value


Text = Annotated[str, AfterValidator(reject_nul)]


class InputSchema(Schema):
    """Base of request bodies and query parameter schemas: no NUL in any text field."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        return reject_nul(value)
