"""Emails about changed and cancelled events carry a `.ics` that calendar apps apply to the copy they
hold: same UID, a higher SEQUENCE, METHOD PUBLISH (updated) or CANCEL with STATUS CANCELLED. The
emails go through the real SMTP test server; the attachments are read back with `icalendar`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from events_testing import first_date, input_for, local_in, make_event
from icalendar import Calendar

from townhall.core.effects import emit
from townhall.events import actions, feeds
from townhall.events.events import EventChanged
from townhall.events.models import Event, Rsvp
from townhall.notifications.email import compose, sending
from townhall.notifications.kinds import Kind
from townhall.notifications.models import EMAIL, WEB, Notification
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _send_due() -> None:
    """The email channel's sweep, after the members' email delay (10 minutes by default)."""
    sending.sweep(now=timezone.now() + timedelta(minutes=15))


def _calendar_of(message: Any) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    return Calendar.from_ical(content if isinstance(content, str) else content.decode())


def _vevents(cal: Calendar) -> list[Any]:
    return [c for c in cal.walk() if c.name == "VEVENT"]


@pytest.fixture
def star_party(space_moderator: Any, calendar: Any) -> Event:
    return make_event(space_moderator, calendar)


def test_a_moved_event_emails_an_updated_ics_with_the_same_uid_and_a_higher_sequence(
    space_moderator: Any, member: Any, star_party: Event, committed: Any, outbox: Any
) -> None:
    actions.set_rsvp(Guardian(member), first_date(star_party), state=Rsvp.GOING)
    [before] = _vevents(Calendar.from_ical(feeds.event_feed(star_party).content))
    later = local_in(days=9, hour=20)
    with committed():
        actions.update_event(Guardian(space_moderator), star_party, data=input_for(star_party, starts_local=later, ends_local=later + timedelta(hours=2)))  # fmt: skip
    _send_due()
    [message] = outbox.to(member.email)
    assert "Star party on the hill has changed" in message["Subject"]
    cal = _calendar_of(message)
    assert str(cal["METHOD"]) == "PUBLISH"
    [vevent] = _vevents(cal)
    assert str(vevent["UID"]) == str(before["UID"]) == star_party.uid
    assert int(vevent["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(vevent["STATUS"]) == "CONFIRMED"
    start = vevent.decoded("DTSTART")
    assert (
        start.tzinfo is not None and start.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None) == later
    )
    assert "online" not in cal.to_ical().decode().lower() or star_party.online_url == ""


def test_a_cancelled_event_emails_a_cancelled_ics(
    space_moderator: Any, member: Any, star_party: Event, committed: Any, outbox: Any
) -> None:
    actions.set_rsvp(Guardian(member), first_date(star_party), state=Rsvp.GOING)
    with committed():
        actions.cancel_event(Guardian(space_moderator), star_party, reason="Clouds all night")
    _send_due()
    [message] = outbox.to(member.email)
    assert "is cancelled" in message["Subject"]
    cal = _calendar_of(message)
    assert str(cal["METHOD"]) == "CANCEL"
    [vevent] = _vevents(cal)
    assert (str(vevent["UID"]), str(vevent["STATUS"])) == (star_party.uid, "CANCELLED")
    assert int(vevent["SEQUENCE"]) == 1


def test_one_moved_date_of_a_series_is_an_instance_of_the_series(
    space_moderator: Any, member: Any, calendar: Any, committed: Any, outbox: Any
) -> None:
    series = make_event(space_moderator, calendar, title="Weekly call", rrule="FREQ=WEEKLY;COUNT=4",
                        starts_local=local_in(days=3, hour=18))  # fmt: skip
    dates = list(series.occurrences.order_by("starts_at"))
    actions.set_rsvp(Guardian(member), dates[1], state=Rsvp.GOING)
    # A date moved on its own (what the dates area's action does), then the event's notice.
    moved = dates[1]
    moved.refresh_from_db()
    moved.starts_at += timedelta(hours=1)
    moved.ends_at += timedelta(hours=1)
    moved.moved = True
    moved.sequence += 1
    moved.save()
    with committed():
        emit(EventChanged(event_id=series.pk, space_id=calendar.pk, actor_id=space_moderator.pk, occurrence_id=moved.pk))  # fmt: skip
    _send_due()
    [message] = outbox.to(member.email)
    [vevent] = _vevents(_calendar_of(message))
    assert str(vevent["UID"]) == series.uid
    assert vevent.decoded("RECURRENCE-ID") == moved.recurrence_id
    assert vevent.decoded("DTSTART") == moved.starts_at
    assert int(vevent["SEQUENCE"]) == series.sequence + 1


def test_no_email_once_the_event_is_gone(
    space_moderator: Any, member: Any, star_party: Event, committed: Any, outbox: Any
) -> None:
    date = first_date(star_party)
    actions.set_rsvp(Guardian(member), date, state=Rsvp.GOING)
    with committed():
        actions.cancel_event(Guardian(space_moderator), star_party)
    star_party.delete()  # gone before the email was due: nothing is sent
    _send_due()
    assert outbox.to(member.email) == []


def test_the_email_composer_attaches_what_a_kind_gives(member: Any) -> None:
    """The notifications app's general seam (Kind.attachments), as any kind would use it."""
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    kind = Kind("test-files", "Files", "📎", "{title}", frozenset({WEB, EMAIL}),
                attachments=lambda notification: [("a.ics", ics, "text/calendar")])  # fmt: skip
    plain = Kind("test-plain", "Plain", "📎", "{title}", frozenset({WEB, EMAIL}))
    row = Notification.objects.create(
        recipient=member, kind=kind.key, source_key="t:1", url="/x/", data={"title": "Hi"}
    )
    [(name, content, mimetype)] = compose.notification_email(
        kind=kind, notification=row, to=member.email
    ).attachments
    assert (name, mimetype) == ("a.ics", "text/calendar") and "BEGIN:VCALENDAR" in str(content)
    assert compose.notification_email(kind=plain, notification=row, to=member.email).attachments == []
