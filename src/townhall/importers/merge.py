"""Moving everything one account owns to another: claims of placeholders, and two placeholders that
are the same person.

Generic on purpose: every foreign key and one-to-one field pointing at the user model, in every
installed model (many-to-many tables included), is found through Django's model meta, so an app added
later is covered without being named here. Where a unique constraint would be broken by the move (one
reaction per person per emoji, one read position per person per space, one community membership per
person), the row of the account being merged away is dropped and the row of the account kept stays;
so is a row linking the two accounts where a check constraint keeps its people apart (a block between
them would become someone blocking themselves).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

from townhall.accounts.models import User


@dataclass
class MergeResult:
    moved: dict[str, int] = field(default_factory=dict)  # "app.Model.field" -> rows moved
    dropped: dict[str, int] = field(default_factory=dict)  # rows of the old account dropped as duplicates


def user_references() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """(model, field) for every foreign key (one-to-one included) to the user model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.get_fields(include_hidden=True):
            if isinstance(f, models.ForeignKey) and f.remote_field.model is user_model and not f.many_to_many:
                found.append((model, f))
    return found


def _unique_sets(model: type[models.Model], f: models.Field) -> list[tuple[list[str], Q | None]]:
    """The unique field sets of `model` holding `f` (with each constraint's condition, if any)."""
    sets: list[tuple[list[str], Q | None]] = []
    if f.unique:  # a one-to-one, or unique=True
        sets.append(([f.name], None))
    for together in model._meta.unique_together:
        if f.name in together:
            sets.append((list(together), None))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and f.name in constraint.fields
        ):
            sets.append((list(constraint.fields), constraint.condition))
    return sets


def _kept_apart(model: type[models.Model], f: models.Field, user_fields: list[str]) -> list[str]:
    """The other user fields of `model` that a check constraint names together with `f`, such as
    block_not_self (blocker != blocked): a row pointing at both accounts would point at one person
    twice after the merge, which the constraint refuses."""
    found: list[str] = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            named = _fields_named(constraint.condition)
            if f.name in named:
                found += [n for n in user_fields if n != f.name and n in named]
    return found


def _fields_named(condition: Any) -> set[str]:
    """The fields a check constraint's condition names, on either side of its lookups."""
    names: set[str] = set()
    if isinstance(condition, Q):
        for child in condition.children:
            names |= _fields_named(child)
    elif isinstance(condition, tuple) and len(condition) == 2:
        lookup, value = condition
        names.add(str(lookup).split(LOOKUP_SEP)[0])
        if isinstance(value, F):
            names.add(str(getattr(value, "name", "")).split(LOOKUP_SEP)[0])
    return names


def _attname(model: type[models.Model], name: str) -> str:
    found = model._meta.get_field(name)
    return str(getattr(found, "attname", name))


def merge_accounts(*, old: User, into: User, skip: Collection[str] = ()) -> MergeResult:
    """Move every row that points at `old` to `into`, in one transaction (the caller's, when inside
    one). `skip`: "app_label.Model.field" references to leave alone. Rows that would duplicate one of
    `into`'s under a unique constraint are deleted instead. `old` itself is left for the caller."""
    if old.pk == into.pk:
        raise ValueError("An account cannot be merged into itself.")
    result = MergeResult()
    references = user_references()
    with transaction.atomic():
        for model, f in references:
            label = f"{model._meta.label}.{f.name}"
            if label in skip:
                continue
            manager = model._base_manager
            mine = manager.filter(**{f.attname: old.pk})
            dropped = 0
            user_fields = [other.name for m, other in references if m is model]
            for name in _kept_apart(model, f, user_fields):  # old -> into would be one person twice
                dropped += mine.filter(**{_attname(model, name): into.pk}).delete()[0]
            for fields, condition in _unique_sets(model, f):
                others = [name for name in fields if name != f.name]
                theirs = manager.filter(**{f.attname: into.pk})
                candidates = mine
                if condition is not None:
                    theirs = theirs.filter(condition)
                    candidates = candidates.filter(condition)
                if not others:
                    clash = candidates if theirs.exists() else candidates.none()
                else:
                    attnames = [_attname(model, name) for name in others]
                    taken = set(theirs.values_list(*attnames))
                    if not taken:
                        continue
                    ids = [
                        row[0] for row in candidates.values_list("pk", *attnames) if tuple(row[1:]) in taken
                    ]
                    clash = manager.filter(pk__in=ids)
                dropped += clash.delete()[0]
            if dropped:
                result.dropped[label] = dropped
            moved = manager.filter(**{f.attname: old.pk}).update(**{f.attname: into.pk})
            if moved:
                result.moved[label] = moved
    return result
