"""Writing the Activity log. Call inside the action's transaction so the log and the change agree."""

from __future__ import annotations

from typing import Any

from django.db import models

from townhall.community.models import Activity


def record_activity(
    actor: Any | None,
    verb: str,
    target: models.Model | None = None,
    *,
    space_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Activity:
    """Append one row: `actor` did `verb` (e.g. "space.joined") to `target`, optionally inside a space."""
    return Activity.objects.create(
        actor_id=getattr(actor, "pk", None),
        verb=verb[:40],
        target_type=target._meta.label_lower[:40] if target is not None else "",
        target_id=target.pk if target is not None else None,
        space_id=space_id,
        data=data or {},
    )
