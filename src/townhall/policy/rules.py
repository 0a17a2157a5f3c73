"""How a rule is written once and asked three ways.

A rule is a method of a rule group that returns a `Refusal` (why not, and whether the thing is unseen)
or None (allowed). Decorated with `@rule`, it is asked as

    guardian.spaces.read(space)          -> Refusal | None
    guardian.spaces.read.can(space)      -> bool, for views and templates
    guardian.spaces.read.ensure(space)   -> raises NotFound (unseen) or PermissionDenied (with the reason)
    guardian.spaces.read.reason(space)   -> the reason to show, or None

so a message cannot drift between the check and the refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, overload

from townhall.core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from townhall.policy.guardian import Guardian


@dataclass(frozen=True)
class Refusal:
    """Why a person may not do something. `hidden`: answer exactly as if the thing did not exist."""

    reason: str
    hidden: bool = False

    def error(self) -> NotFound | PermissionDenied:
        return NotFound("Not found") if self.hidden else PermissionDenied(self.reason)


UNSEEN = Refusal("Not found.", hidden=True)


def refuse(reason: str) -> Refusal:
    return Refusal(reason)


class RuleGroup:
    """The rules of one app, asked of one Guardian (`self.g` holds the person's standing)."""

    def __init__(self, guardian: Guardian) -> None:
        self.g = guardian


class BoundRule[**P]:
    __slots__ = ("fn", "group")
    do_not_call_in_templates = True  # templates ask `.can` (which they call), never the rule itself

    def __init__(self, fn: Callable[Concatenate[Any, P], Refusal | None], group: RuleGroup) -> None:
        self.fn = fn
        self.group = group

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Refusal | None:
        return self.fn(self.group, *args, **kwargs)

    def can(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        return self.fn(self.group, *args, **kwargs) is None

    def ensure(self, *args: P.args, **kwargs: P.kwargs) -> None:
        refusal = self.fn(self.group, *args, **kwargs)
        if refusal is not None:
            raise refusal.error()

    def reason(self, *args: P.args, **kwargs: P.kwargs) -> str | None:
        refusal = self.fn(self.group, *args, **kwargs)
        return refusal.reason if refusal is not None else None


class rule[**P]:
    """Mark a RuleGroup method `(self, ...) -> Refusal | None` as a rule (see the module docstring)."""

    def __init__(self, fn: Callable[Concatenate[Any, P], Refusal | None]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.name = fn.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, group: None, owner: type) -> rule[P]: ...
    @overload
    def __get__(self, group: RuleGroup, owner: type) -> BoundRule[P]: ...
    def __get__(self, group: RuleGroup | None, owner: type) -> rule[P] | BoundRule[P]:
        if group is None:
            return self
        return BoundRule(self.fn, group)


def rule_names(group: type[RuleGroup]) -> list[str]:
    """Every rule of a group, for tests that walk them all."""
    return [name for name, value in vars(group).items() if isinstance(value, rule)]
