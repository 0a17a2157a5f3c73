"""Checking what a host typed for an event: one `EventInput` for the form, the API and the importers.

Every check raises `Invalid` with a sentence and the field it is about, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from townhall.core.errors import Invalid
from townhall.events import recurrence
from townhall.events.models import (
    ADDRESS_MAX,
    ANSWER_MAX,
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    GUESTS_MAX,
    QUESTION_MAX,
    QUESTIONS_MAX,
    TITLE_MAX,
    URL_MAX,
    VENUE_MAX,
    Event,
)

MAX_LENGTH = timedelta(days=14)  # one occurrence; a longer thing is a series
DEADLINE_MAX_MINUTES = 60 * 24 * 60


def invalid(field_name: str, message: str) -> Invalid:
    return Invalid(message, field_errors={field_name: [message]})


@dataclass
class EventInput:
    """An event as typed: local (naive) wall-clock times in `time_zone`. All-day events give dates at
    midnight, and `ends_local` is the last day (inclusive), as people say it."""

    title: str
    starts_local: datetime
    ends_local: datetime
    time_zone: str = "UTC"
    description: str = ""
    all_day: bool = False
    rrule: str = ""
    location_kind: str = Event.IN_PERSON
    online_url: str = ""
    venue: str = ""
    address: str = ""
    map_url: str = ""
    capacity: int | None = None
    guests_allowed: int = 0
    rsvp_deadline_minutes: int | None = None
    questions: list[Any] = field(default_factory=list)  # strings, or {"text", "required"} (and "id")
    group_id: int | None = None
    group_only_until_local: datetime | None = None


@dataclass
class Cleaned:
    """What gets written to the Event row."""

    values: dict[str, Any]


def _text(value: str, name: str, label: str, limit: int, *, required: bool = False) -> str:
    if "\x00" in (value or ""):
        raise invalid(name, f"The {label} cannot contain the NUL character.")
    text = (value or "").strip()
    if required and not text:
        raise invalid(name, f"Give the event a {label}.")
    if len(text) > limit:
        raise invalid(
            name, f"The {label} can be at most {limit:,} characters long (this one has {len(text):,})."
        )
    return text


def _url(value: str, name: str, label: str) -> str:
    url = _text(value, name, label, URL_MAX)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise invalid(name, f"The {label} must be a web address starting with https:// (or http://).")
    return url


def clean_questions(raw: list[Any]) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise invalid("questions", "The questions must be a list.")
    if len(raw) > QUESTIONS_MAX:
        raise invalid("questions", f"An event can ask at most {QUESTIONS_MAX} questions.")
    questions: list[dict[str, Any]] = []
    for index, item in enumerate(raw, start=1):
        if isinstance(item, str):
            text, required, qid = item, False, ""
        elif isinstance(item, dict):
            text, required, qid = (
                str(item.get("text", "")),
                bool(item.get("required")),
                str(item.get("id", "")),
            )
        else:
            raise invalid("questions", f"Question {index} is not a question.")
        text = _text(text, "questions", f"question {index}", QUESTION_MAX)
        if text:
            questions.append({"id": qid or f"q{len(questions) + 1}", "text": text, "required": required})
    ids = [q["id"] for q in questions]
    if len(set(ids)) != len(ids):
        raise invalid("questions", "Two questions have the same id.")
    return questions


def clean_answers(questions: list[dict[str, Any]], answers: dict[str, Any] | None) -> dict[str, str]:
    """The answers to an event's questions: required ones present, each at most ANSWER_MAX characters."""
    answers = answers or {}
    if not isinstance(answers, dict):
        raise invalid("answers", "The answers must map each question to a text.")
    known = {q["id"] for q in questions}
    unknown = [key for key in answers if key not in known]
    if unknown:
        raise invalid("answers", f"This event has no question {unknown[0]!r}.")
    cleaned = {}
    for question in questions:
        value = answers.get(question["id"], "")
        text = _text(
            str(value) if value is not None else "", f"answers.{question['id']}", "answer", ANSWER_MAX
        )
        if question["required"] and not text:
            raise invalid(f"answers.{question['id']}", f"Please answer: {question['text']}")
        if text:
            cleaned[question["id"]] = text
    return cleaned


def clean_guests(guests: int, allowed: int) -> int:
    if guests < 0:
        raise invalid("guests", "The number of guests cannot be negative.")
    if guests > allowed:
        message = "This event does not take guests." if allowed == 0 else f"You can bring at most {allowed} guest{'s' if allowed != 1 else ''}."  # fmt: skip
        raise invalid("guests", message)
    return guests


def clean_event(data: EventInput) -> Cleaned:
    """Everything checked; Invalid names the first field that is wrong."""
    title = _text(data.title, "title", "title", TITLE_MAX, required=True)
    description = _text(data.description, "description", "description", DESCRIPTION_MAX)
    recurrence.zone(data.time_zone)
    if data.location_kind not in dict(Event.LOCATION_KINDS):
        raise invalid("location_kind", "Choose online, in person or hybrid.")
    online_url = _url(data.online_url, "online_url", "join link")
    map_url = _url(data.map_url, "map_url", "map link")
    venue = _text(data.venue, "venue", "venue", VENUE_MAX)
    address = _text(data.address, "address", "address", ADDRESS_MAX)
    if data.location_kind in (Event.ONLINE, Event.HYBRID) and not online_url:
        raise invalid("online_url", "An online event needs a join link (it shows to attendees shortly before the start).")  # fmt: skip
    if data.location_kind in (Event.IN_PERSON, Event.HYBRID) and not (venue or address):
        raise invalid("venue", "Say where the event takes place (a venue or an address).")
    if data.all_day:
        start_local = data.starts_local.replace(hour=0, minute=0, second=0, microsecond=0)
        last_day = data.ends_local.replace(hour=0, minute=0, second=0, microsecond=0)
        if last_day < start_local:
            raise invalid("ends_at", "The last day is before the first day.")
        end_local = last_day + timedelta(days=1)
    else:
        start_local = data.starts_local.replace(second=0, microsecond=0)
        end_local = data.ends_local.replace(second=0, microsecond=0)
    starts_at = recurrence.to_utc(start_local, data.time_zone)
    try:
        ends_at = recurrence.to_utc(end_local, data.time_zone)
    except Invalid as exc:
        raise invalid("ends_at", exc.message.replace("starts_at", "ends_at")) from exc
    if ends_at < starts_at:
        raise invalid("ends_at", "The event ends before it starts.")
    if ends_at == starts_at and not data.all_day:
        raise invalid("ends_at", "The event ends when it starts: give it an end time.")
    if ends_at - starts_at > MAX_LENGTH:
        raise invalid("ends_at", "One date of an event lasts at most 14 days; make longer things a series.")
    rrule = recurrence.parse_rule(data.rrule) if (data.rrule or "").strip() else ""
    if data.capacity is not None and not (1 <= data.capacity <= CAPACITY_MAX):
        raise invalid("capacity", f"The capacity must be between 1 and {CAPACITY_MAX:,} (leave it empty for no limit).")  # fmt: skip
    if not (0 <= data.guests_allowed <= GUESTS_MAX):
        raise invalid("guests_allowed", f"Guests per RSVP must be between 0 and {GUESTS_MAX}.")
    deadline = data.rsvp_deadline_minutes
    if deadline is not None and not (0 <= deadline <= DEADLINE_MAX_MINUTES):
        raise invalid("rsvp_deadline_minutes", "The RSVP deadline must be between 0 minutes and 60 days before the start.")  # fmt: skip
    questions = clean_questions(data.questions)
    group_only_until = None
    if data.group_only_until_local is not None:
        if data.group_id is None:
            raise invalid("group_only_until", "Choose a group to offer the event to first.")
        group_only_until = recurrence.to_utc(data.group_only_until_local.replace(second=0, microsecond=0), data.time_zone)  # fmt: skip
    series_ends_at = (
        recurrence.series_end(rrule, start_local=start_local, zone_name=data.time_zone, duration=ends_at - starts_at)
        if rrule else ends_at
    )  # fmt: skip
    return Cleaned(
        {
            "title": title, "description": description, "time_zone": data.time_zone, "starts_at": starts_at,
            "ends_at": ends_at, "all_day": data.all_day, "rrule": rrule, "series_ends_at": series_ends_at,
            "location_kind": data.location_kind, "online_url": online_url, "venue": venue,
            "address": address, "map_url": map_url, "capacity": data.capacity,
            "guests_allowed": data.guests_allowed, "rsvp_deadline_minutes": deadline,
            "questions": questions, "group_id": data.group_id, "group_only_until": group_only_until,
        }
    )  # fmt: skip


# Fields whose change attendees must hear of (a new .ics with a higher SEQUENCE).
SCHEDULE_FIELDS = ("starts_at", "ends_at", "all_day", "time_zone", "rrule", "location_kind", "online_url",
                   "venue", "address")  # fmt: skip
