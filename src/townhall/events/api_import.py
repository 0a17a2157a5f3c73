"""`POST /api/v1/events/import`: a .ics file into a space, the same action as the import page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.errors import Invalid
from townhall.core.schemas import Text
from townhall.events import ics_import
from townhall.events.ics import IcsError, read_calendar
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_space_or_404

router = Router(tags=["events"])

MAX_BYTES = 10 * 1024 * 1024
# Storing an event costs ~7 queries and 10-25 ms (SQLite, a busy 2-core machine): a page or API request
# takes at most this many (a preview runs the import too, then rolls it back); the command takes 5,000.
WEB_MAX_EVENTS = 1000


class SkippedOut(Schema):
    uid: str
    title: str
    line: int | None
    what: str
    reason: str


class ImportOut(Schema):
    name: str
    dry_run: bool
    created: int
    updated: int
    skipped: list[SkippedOut]
    first_start: str | None
    last_start: str | None


def read_upload(file: UploadedFile, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The uploaded file's bytes, refusing a file too big before reading it all."""
    if file.size is not None and file.size > max_bytes:
        raise Invalid(
            f"The file is {file.size / 1024 / 1024:.1f} MB; a calendar file may be at most "
            f"{max_bytes // 1024 // 1024} MB.",
            field_errors={"file": ["The file is too big."]},
        )
    return file.read(max_bytes + 1)


def parse(data: bytes) -> Any:
    try:
        return read_calendar(data, max_bytes=MAX_BYTES, max_events=WEB_MAX_EVENTS)
    except IcsError as exc:
        message = f"{exc.message} Nothing was imported."
        if "events and other items" in exc.message:
            message += " Larger calendars: `townhall import ics FILE --space SLUG` on the server."
        raise Invalid(message, field_errors={"file": [exc.message]}) from None


@router.post("/events/import", response={200: ImportOut, **API_ERRORS}, summary="Import a .ics file")
def import_ics(
    request: HttpRequest,
    file: File[UploadedFile],
    space: Form[Text],
    dry_run: Form[bool] = False,
) -> Any:
    """Multipart: `file` (an iCalendar export of Google Calendar, Outlook, Apple Calendar or Meetup),
    `space` (the slug), `dry_run`. All or nothing: events are created, or updated when the space already
    has one with the same UID and the file's copy is newer; every component left out is listed with its
    reason. A file that cannot be read imports nothing (422 with the reason)."""
    ensure_write(request)
    guardian = guardian_of(request)
    target = get_space_or_404(guardian, space)
    guardian.events.import_calendar.ensure(target)
    result = parse(read_upload(file))
    zone = getattr(guardian.user, "time_zone", "") or ""
    report = ics_import.import_calendar(guardian, target, result, default_zone=zone, dry_run=dry_run)
    return report.as_dict()
