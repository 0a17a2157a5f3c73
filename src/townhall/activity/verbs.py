"""The verb registry: every kind of Activity row is declared once, with its payload type and audience.

Each app lists its verbs in its `events.py` (`VERBS = [Verb("topic.created", TopicCreatedData), ...]`) and
registers them in `AppConfig.ready()`. Recording an undeclared verb, a payload of the wrong type or an
oversized payload is an error, never a silent truncation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from townhall.activity.models import VERB_MAX

# Who may read a row (the Guardian's `activity.visible` filter applies these):
SPACE = "space"  # everyone who may read the row's space (the community's members, for rows without one)
MODERATORS = "moderators"  # the space's moderators (community moderators, for rows without a space)
PRIVATE = "private"  # the actor and the community's admins
AUDIENCES = (SPACE, MODERATORS, PRIVATE)


class UnknownVerb(LookupError):
    """A verb that no app declared."""


class BadPayload(ValueError):
    """A payload that does not match the verb's declared type, or is too large to keep."""


@dataclass(frozen=True)
class Verb:
    name: str  # "<noun>.<past participle>", e.g. "topic.created"
    payload: type | None = None  # a dataclass, or None for rows without data
    audience: str = SPACE

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > VERB_MAX or "." not in self.name:
            raise ValueError(f"verb {self.name!r} must look like 'noun.verb' and fit {VERB_MAX} characters")
        if self.payload is not None and not dataclasses.is_dataclass(self.payload):
            raise TypeError(f"the payload of {self.name} must be a dataclass")
        if self.audience not in AUDIENCES:
            raise ValueError(f"unknown audience {self.audience!r} for {self.name}")


_verbs: dict[str, Verb] = {}


def register(verbs: Iterable[Verb]) -> None:
    """Declare verbs (from an app's ready()). Declaring the same name twice differently is an error."""
    for verb in verbs:
        known = _verbs.get(verb.name)
        if known is not None and known != verb:
            raise ValueError(f"activity verb {verb.name!r} is declared twice, differently")
        _verbs[verb.name] = verb


def get(name: str) -> Verb:
    try:
        return _verbs[name]
    except KeyError:
        raise UnknownVerb(f"activity verb {name!r} is not declared by any app") from None


def names_for(audience: str) -> list[str]:
    return sorted(name for name, verb in _verbs.items() if verb.audience == audience)


def all_verbs() -> list[Verb]:
    return sorted(_verbs.values(), key=lambda verb: verb.name)


def payload_dict(verb: Verb, data: Any) -> dict[str, Any]:
    """The payload as stored: the declared dataclass as a dict, checked against the declaration."""
    if verb.payload is None:
        if data is not None:
            raise BadPayload(f"{verb.name} takes no payload")
        return {}
    if type(data) is not verb.payload:
        raise BadPayload(f"{verb.name} takes a {verb.payload.__name__}, not {type(data).__name__}")
    names = _field_names.get(verb.payload)
    if names is None:
        names = _field_names[verb.payload] = tuple(f.name for f in dataclasses.fields(verb.payload))
    values = {name: getattr(data, name) for name in names}
    # Most payloads are ids, strings and lists of them: copied directly, which the bulk layers, writing
    # a row per post, notice; anything else takes dataclasses.asdict's deep copy.
    if all(
        type(v) in _SCALARS or (type(v) is list and all(type(x) in _SCALARS for x in v))
        for v in values.values()
    ):
        return {name: list(v) if type(v) is list else v for name, v in values.items()}
    return dataclasses.asdict(data)  # type: ignore[call-overload]  # checked: an instance of a dataclass


_SCALARS = frozenset({int, str, float, bool, type(None)})
_field_names: dict[type, tuple[str, ...]] = {}  # a cache of the declared types' fields, not of data
