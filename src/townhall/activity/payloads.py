"""Payload shapes that many verbs share. A verb with data of its own declares its dataclass in its app."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fields:
    """Which fields an update changed."""

    fields: list[str]


@dataclass(frozen=True)
class Person:
    """The person the action was done to (when the target is something else)."""

    user_id: int


@dataclass(frozen=True)
class Name:
    """The name of the target as it was (deleted things keep no row)."""

    name: str


@dataclass(frozen=True)
class Direction:
    """Moved "up" or "down" in an ordered list."""

    direction: str


@dataclass(frozen=True)
class Via:
    """How something came about ("join", "invitation", "seed", "createadmin", "import", ...)."""

    via: str
