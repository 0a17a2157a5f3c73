"""The importers' activity verbs: history handed to a person (a claim or a match), an import done."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.verbs import PRIVATE, Verb


@dataclass(frozen=True)
class PlaceholderClaimedData:
    placeholder_id: int
    name: str


@dataclass(frozen=True)
class ImportDoneData:
    source: str
    messages: int


VERBS = [
    Verb("placeholder.claimed", PlaceholderClaimedData, audience=PRIVATE),
    Verb("import.done", ImportDoneData, audience=PRIVATE),
]
