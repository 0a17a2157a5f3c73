"""Every broadcast's shape, declared once: its `type`, its `op` and the fields it carries.

A broadcast is a small dict: `{"type": "topic", "op": "post_created", "topic_id": 7, "post_id": 42}`.
Each app lists the broadcasts it sends in its `broadcasts.py` (`SCHEMAS = [*declare("topic", (...),
topic_id=int)]`) and registers them from its `AppConfig.ready()` with `register()`; realtime itself
knows no app's broadcasts. `publish()` and `publish_on_commit()` check every payload here, at the call
site: an undeclared type or op, a missing or extra field or a value of the wrong type raises
`BadBroadcast` (a ValueError) in tests and in production alike.

Fields carry ids (house rule 6): a field is an `int` or a `bool`, or either of them or None. Text never
travels in a broadcast; clients re-fetch what they show under their own permissions.

Most broadcasts are logged and carry a sequence number (`seq`) so that a reconnecting stream misses
nothing. Ephemeral ones (typing, presence: `declare_ephemeral`) are not logged and carry no `seq`; they
are sent with `publish_ephemeral`, and `publish` refuses them (and the other way round).
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Union, get_args, get_origin

NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED = frozenset({"type", "op"})
_SCALARS: tuple[type, ...] = (int, bool)


class BadBroadcast(ValueError):
    """A payload that no app declared, or that does not match its declaration."""


@dataclass(frozen=True)
class FieldType:
    """What one field may hold: `kind` (int or bool), and whether None is allowed."""

    kind: type
    nullable: bool = False

    @classmethod
    def of(cls, annotation: Any) -> FieldType:
        """`int`, `bool`, `int | None` or `bool | None`; anything else is refused."""
        if annotation in _SCALARS:
            return cls(annotation)
        if get_origin(annotation) in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) == 1 and args[0] in _SCALARS and len(get_args(annotation)) == 2:
                return cls(args[0], nullable=True)
        raise TypeError(f"a broadcast field is int, bool or one of them | None, not {annotation!r}")

    def accepts(self, value: Any) -> bool:
        """`bool` is not an `int` here (True is no id), and an int is no bool."""
        if value is None:
            return self.nullable
        return type(value) is self.kind

    def __str__(self) -> str:
        return f"{self.kind.__name__} | None" if self.nullable else self.kind.__name__


@dataclass(frozen=True)
class Schema:
    """One (type, op) pair and exactly the fields its payload carries besides `type` and `op`."""

    type: str
    op: str
    fields: tuple[tuple[str, FieldType], ...]
    app: str = ""  # the app that declared it (filled by register())
    ephemeral: bool = False  # not logged, no `seq`: a missed one does not matter (typing, presence)

    def __post_init__(self) -> None:
        for name in (self.type, self.op, *(field for field, _ in self.fields)):
            if not NAME.match(name):
                raise ValueError(f"broadcast name {name!r} must be lower_snake_case, at most 40 characters")
        if RESERVED & {field for field, _ in self.fields}:
            raise ValueError(f"{self.type}/{self.op}: 'type' and 'op' are not fields")

    @property
    def key(self) -> tuple[str, str]:
        return self.type, self.op

    def field_map(self) -> dict[str, FieldType]:
        return dict(self.fields)

    def same_shape(self, other: Schema) -> bool:
        return (
            self.key == other.key
            and self.field_map() == other.field_map()
            and self.ephemeral == other.ephemeral
        )


def declare(type_: str, ops: Iterable[str], **fields: Any) -> list[Schema]:
    """One Schema per op, all with the same fields: `declare("space", ("joined", "left"), space_id=int)`."""
    shape = tuple(sorted((name, FieldType.of(annotation)) for name, annotation in fields.items()))
    return [Schema(type_, op, shape) for op in ops]


def declare_ephemeral(type_: str, ops: Iterable[str], **fields: Any) -> list[Schema]:
    """Like `declare`, for broadcasts that are neither logged nor resumed (typing, presence)."""
    return [replace(schema, ephemeral=True) for schema in declare(type_, ops, **fields)]


_schemas: dict[tuple[str, str], Schema] = {}


def register(schemas: Iterable[Schema], *, app: str) -> None:
    """Declare an app's broadcasts (from its ready()). The same (type, op) declared twice with another
    shape, or by another app, is an error; declaring it again identically (a reloaded ready()) is not."""
    for schema in schemas:
        known = _schemas.get(schema.key)
        if known is not None and not (known.same_shape(schema) and known.app == app):
            raise ValueError(f"broadcast {schema.type}/{schema.op} is declared twice, differently")
        _schemas[schema.key] = replace(schema, app=app)


def get(type_: str, op: str) -> Schema:
    """The declaration of (type, op); BadBroadcast when no app declared it."""
    try:
        return _schemas[(type_, op)]
    except KeyError:
        raise BadBroadcast(f"broadcast {type_}/{op} is not declared by any app") from None


def all_schemas() -> list[Schema]:
    """Every declared broadcast, sorted by type and op."""
    return sorted(_schemas.values(), key=lambda schema: schema.key)


def validate(payload: Mapping[str, Any]) -> Schema:
    """Check a payload against its declaration and return it; raise BadBroadcast saying what is wrong."""
    if not isinstance(payload, Mapping):
        raise BadBroadcast(f"a broadcast is a dict, not {type(payload).__name__}")
    type_, op = payload.get("type"), payload.get("op")
    if not isinstance(type_, str) or not isinstance(op, str):
        raise BadBroadcast(f"a broadcast needs a string 'type' and 'op': {dict(payload)!r}")
    schema = get(type_, op)
    expected = schema.field_map()
    given = set(payload) - RESERVED
    missing = sorted(set(expected) - given)
    if missing:
        raise BadBroadcast(f"broadcast {type_}/{op} is missing {', '.join(missing)}")
    extra = sorted(given - set(expected))
    if extra:
        raise BadBroadcast(f"broadcast {type_}/{op} does not declare {', '.join(extra)}")
    for name, field_type in expected.items():
        if not field_type.accepts(payload[name]):
            raise BadBroadcast(
                f"broadcast {type_}/{op}: {name} must be {field_type}, not {type(payload[name]).__name__}"
            )
    return schema
