"""The API's input shapes refuse the NUL character in any text, however deeply nested."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from townhall.core.schemas import NUL_MESSAGE, InputSchema, Text


class Example(InputSchema):
    name: str
    tags: list[str] = []
    extra: dict[str, list[str]] = {}
    count: int = 0
    note: Text | None = None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"name": "ok", "tags": ["fine", "bad\x00"]}, "tags"),
        ({"name": "ok", "extra": {"k": ["v\x00"]}}, "extra"),
        ({"name": "ok", "note": "\x00"}, "note"),
    ],
)
def test_nul_anywhere_is_refused_with_the_field_named(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Example(**data)
    (error,) = caught.value.errors()
    assert error["loc"][0] == field and error["msg"] == NUL_MESSAGE


def test_other_text_and_values_pass_untouched() -> None:
    got = Example(name="tab\there é", tags=["x"], extra={"k": ["\x0c"]}, count=3, note=None)
    assert got.name == "tab\there é" and got.extra == {"k": ["\x0c"]} and got.count == 3
