"""An event's cover image: checked like every upload (content.uploads), stored in the event's space."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.db import transaction

from townhall.content.uploads import Sniffed, hit_rate_limit, prepare, store
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions.models import Upload
from townhall.events.events import EventEdited
from townhall.events.models import Event

if TYPE_CHECKING:
    from townhall.policy import Guardian

NOT_AN_IMAGE = "The cover must be an image (JPEG, PNG, GIF or WebP)."


def prepare_cover(file: IO[bytes], name: str) -> Sniffed:
    """Read and check a cover image without storing it (so a form can refuse it before any write).

    Errors: Invalid on the field "cover" (empty, too big, not an image, damaged).
    """
    try:
        found = prepare(file, name)
    except Invalid as exc:
        raise Invalid(exc.message, field_errors={"cover": [exc.message]}) from None
    if found.kind != Upload.IMAGE:
        raise Invalid(NOT_AN_IMAGE, field_errors={"cover": [NOT_AN_IMAGE]})
    return found


def set_cover(guardian: Guardian, event: Event, *, cover: Sniffed | None) -> Event:
    """Give the event a cover (a prepared image: see `prepare_cover`), or remove it (None). Locks the
    event's row. Emits EventEdited (calendars refresh; nobody is notified).

    Errors: NotFound, PermissionDenied (the `edit` rule), RateLimited (the upload allowance).
    """
    guardian.events.edit.ensure(event)
    if cover is not None:
        hit_rate_limit(guardian.user_id)
    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("space").get(pk=event.pk)
        guardian.events.edit.ensure(locked)
        locked.cover = store(guardian.user_id, locked.space, cover) if cover is not None else None
        locked.save(update_fields=["cover", "updated_at"])
        emit(EventEdited(event_id=locked.pk, space_id=locked.space_id, actor_id=guardian.user_id))
    event.cover = locked.cover
    return event
