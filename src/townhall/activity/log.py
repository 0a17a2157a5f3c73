"""Writing the Activity log. Call inside the action's transaction so that the log and the change agree."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import models

from townhall.activity import verbs
from townhall.activity.models import TARGET_TYPE_MAX, Activity
from townhall.core.bulkinsert import JsonText

PAYLOAD_MAX_BYTES = 4096


def checked_data(verb: str, data: Any) -> dict[str, Any]:
    """The payload as stored: `data` checked against the verb's declaration and the size limit."""
    return _checked(verb, data)[0]


def _checked(verb: str, data: Any) -> tuple[dict[str, Any], JsonText | None]:
    """The checked payload, and its JSON text when that is what the JSONField would store (plain JSON
    values: the bulk layers insert the measured text instead of encoding it again)."""
    payload = verbs.payload_dict(verbs.get(verb), data)
    text: JsonText | None
    try:
        text = JsonText(json.dumps(payload))
        size = len(text.encode())
    except TypeError:  # a value JSON does not know: measured as the log's encoder would write it
        text, size = None, len(json.dumps(payload, default=str).encode())
    if size > PAYLOAD_MAX_BYTES:
        raise verbs.BadPayload(
            f"the {verb} payload is {size} bytes; the log keeps at most {PAYLOAD_MAX_BYTES}"
        )
    return payload, text


def checked_target_type(model: type[models.Model] | models.Model | None) -> str:
    """The target model's "app_label.modelname", or "" for rows without a target."""
    target_type = model._meta.label_lower if model is not None else ""
    if len(target_type) > TARGET_TYPE_MAX:
        raise verbs.BadPayload(f"target type {target_type!r} is longer than {TARGET_TYPE_MAX} characters")
    return target_type


def build_activity(
    actor: Any | None,
    verb: str,
    target: models.Model | None = None,
    *,
    space_id: int | None = None,
    data: Any = None,
    at: datetime | None = None,
) -> Activity:
    """An unsaved row, checked against the verb's declaration (the bulk layer saves many at once).

    `actor` is a user, a user's id (the bulk layers know people by id) or None.
    """
    row = Activity(
        actor_id=actor if isinstance(actor, int) else getattr(actor, "pk", None),
        verb=verb,
        target_type=checked_target_type(target),
        target_id=target.pk if target is not None else None,
        space_id=space_id,
        data=checked_data(verb, data),
    )
    if at is not None:
        row.created_at = at
    return row


# The columns of activity_row(), for core.bulkinsert.insert_rows(Activity, ROW_COLUMNS, rows).
ROW_COLUMNS = ("actor_id", "verb", "target_type", "target_id", "space_id", "data", "created_at")


def activity_row(
    actor_id: int | None,
    verb: str,
    target_type: str,
    target_id: int | None,
    *,
    space_id: int | None,
    data: Any,
    at: datetime,
) -> tuple[Any, ...]:
    """build_activity as a plain tuple (ROW_COLUMNS), for bulk layers that insert many rows without
    making model instances; `target_type` from checked_target_type(Model)."""
    payload, text = _checked(verb, data)
    return (actor_id, verb, target_type, target_id, space_id, payload if text is None else text, at)


def record_activity(
    actor: Any | None,
    verb: str,
    target: models.Model | None = None,
    *,
    space_id: int | None = None,
    data: Any = None,
    at: datetime | None = None,
) -> Activity:
    """Append one row: `actor` did `verb` (declared in an app's events.py) to `target`, maybe in a space.

    `data` is an instance of the verb's payload dataclass. Raises UnknownVerb or BadPayload.
    """
    row = build_activity(actor, verb, target, space_id=space_id, data=data, at=at)
    row.save(force_insert=True)
    return row
