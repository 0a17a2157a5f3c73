"""Reads for hosts: who is coming to one date (going, maybe, the waitlist in order, not going), with
guests, answers and check-ins; the same list as CSV. A fixed number of queries whatever its length."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.core.errors import NotFound
from townhall.events.models import Occurrence, Rsvp

if TYPE_CHECKING:
    from townhall.policy import Guardian

SEARCH_MAX = 100
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


@dataclass
class Attendees:
    """One date's answers, grouped; `waitlist` is in promotion order (position = index + 1)."""

    going: list[Rsvp] = field(default_factory=list)
    maybe: list[Rsvp] = field(default_factory=list)
    waitlist: list[Rsvp] = field(default_factory=list)
    not_going: int = 0
    questions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def going_people(self) -> int:
        return len(self.going)

    @property
    def checked_in_people(self) -> int:
        return sum(1 for rsvp in self.going if rsvp.checked_in_at is not None)


def clean_search(value: str | None) -> str:
    return (value or "").strip()[:SEARCH_MAX]


def _rows(occurrence: Occurrence) -> QuerySet[Rsvp]:
    return Rsvp.objects.filter(occurrence_id=occurrence.pk).select_related("user")


def _sort_name(rsvp: Rsvp) -> tuple[str, int]:
    return (rsvp.user.name.casefold(), rsvp.pk)


def _questions(occurrence: Occurrence) -> list[dict[str, Any]]:
    questions = occurrence.event.questions or []
    return [q for q in questions if isinstance(q, dict) and q.get("id")]


def _with_answers(rsvp: Rsvp, questions: list[dict[str, Any]]) -> Rsvp:
    answers = rsvp.answers if isinstance(rsvp.answers, dict) else {}
    rsvp.answer_list = [(q.get("text", ""), str(answers.get(q["id"], ""))) for q in questions]  # type: ignore[attr-defined]
    return rsvp


def attendee_list(guardian: Guardian, occurrence: Occurrence) -> Attendees:
    """Everyone who answered for `occurrence` (one query): going and maybe by name, the waitlist in
    the order it is promoted, and how many said not going. The caller ensured `manage_attendees`."""
    guardian.events.manage_attendees.ensure(occurrence.event)
    questions = _questions(occurrence)
    result = Attendees(questions=questions)
    for rsvp in _rows(occurrence):
        if rsvp.state == Rsvp.GOING:
            result.going.append(_with_answers(rsvp, questions))
        elif rsvp.state == Rsvp.MAYBE:
            result.maybe.append(_with_answers(rsvp, questions))
        elif rsvp.state == Rsvp.WAITLISTED:
            result.waitlist.append(_with_answers(rsvp, questions))
        else:
            result.not_going += 1
    result.going.sort(key=_sort_name)
    result.maybe.sort(key=_sort_name)
    far = timezone.now().replace(year=9999)
    result.waitlist.sort(key=lambda r: (r.waitlisted_at or far, r.pk))
    for position, rsvp in enumerate(result.waitlist, start=1):
        rsvp.position = position  # type: ignore[attr-defined]
    return result


def door_list(guardian: Guardian, occurrence: Occurrence, *, search: str = "") -> list[Rsvp]:
    """The people going to `occurrence`, by name, filtered by `search` (name or username; one query)."""
    guardian.events.check_in.ensure(occurrence)
    rows = _rows(occurrence).filter(state=Rsvp.GOING)
    words = clean_search(search)
    if words:
        rows = rows.filter(Q(user__display_name__icontains=words) | Q(user__username__icontains=words))
    return sorted(rows, key=_sort_name)


def door_rsvp(guardian: Guardian, occurrence: Occurrence, rsvp_id: int) -> Rsvp:
    """One answer for `occurrence`, for a host at the door; NotFound when it is not this date's."""
    guardian.events.manage_attendees.ensure(occurrence.event)
    rsvp = _rows(occurrence).filter(pk=rsvp_id).first()
    if rsvp is None:
        raise NotFound("No such attendee")
    rsvp.occurrence = occurrence
    return rsvp


# --- CSV -------------------------------------------------------------------------------------------
def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _when(value: datetime | None, zone: Any) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


def attendees_csv(guardian: Guardian, occurrence: Occurrence, *, zone: Any = None) -> str:
    """The attendee list as CSV (UTF-8 with a BOM, so that Excel reads accents): name, username,
    state, guests, checked in at (in `zone`), one column per question, waitlist position."""
    people = attendee_list(guardian, occurrence)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    header = ["Name", "Username", "State", "Guests", "Checked in at"]
    header += [q.get("text", "") for q in people.questions] + ["Waitlist position"]
    writer.writerow([safe_cell(h) for h in header])
    labels = dict(Rsvp.STATES)
    for rsvp in [*people.going, *people.maybe, *people.waitlist]:
        answers = [answer for _question, answer in rsvp.answer_list]  # type: ignore[attr-defined]
        row: list[object] = [rsvp.user.name, rsvp.user.username, labels.get(rsvp.state, rsvp.state),
                             rsvp.guests, _when(rsvp.checked_in_at, zone), *answers,
                             getattr(rsvp, "position", "")]  # fmt: skip
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
