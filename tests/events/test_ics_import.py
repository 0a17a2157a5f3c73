"""Importing .ics files into a space: the action, then the page, the API and the command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ics_testing import weekly_file

from townhall.core.errors import NotFound, PermissionDenied
from townhall.events.ics import read_calendar
from townhall.events.ics_import import EXCLUDED, NO_PLACE, import_calendar
from townhall.events.models import Event, Occurrence
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "ics_files"
BERLIN = ZoneInfo("Europe/Berlin")


def run(user: Any, space: Any, data: bytes, **options: Any):
    return import_calendar(Guardian(user), space, read_calendar(data), **options)


def test_import_creates_the_events_of_a_google_export(host: Any, open_calendar: Any) -> None:
    report = run(host, open_calendar, weekly_file())
    assert [i.title for i in report.created] == ["Weekly observing night", "Messier marathon weekend"]
    assert report.updated == [] and report.skipped == []
    series = Event.objects.get(space=open_calendar, uid="series-1@google.com")
    assert series.time_zone == "Europe/Berlin"
    assert series.rrule == "FREQ=WEEKLY;COUNT=6;BYDAY=TU"
    assert (series.venue, series.address) == ("Hill Observatory", "Sternwartenweg 3, Potsdam")
    assert series.state == Event.PUBLISHED
    assert series.hosts.get().user == host
    dates = list(Occurrence.objects.filter(event=series).order_by("recurrence_id"))
    assert len(dates) == 6
    assert all(d.recurrence_id.astimezone(BERLIN).hour == 19 for d in dates)
    assert dates[1].cancelled_at is not None and dates[1].cancel_reason == EXCLUDED
    assert dates[2].moved and dates[2].starts_at == dates[2].recurrence_id + timedelta(days=1, minutes=30)
    weekend = Event.objects.get(uid="weekend-1@google.com")
    assert weekend.all_day and weekend.ends_at - weekend.starts_at == timedelta(days=2)
    assert report.first_start == series.starts_at.astimezone(UTC).isoformat()
    assert report.last_start == weekend.starts_at.astimezone(UTC).isoformat()


def test_reimporting_the_same_file_updates_nothing_and_duplicates_nothing(
    host: Any, open_calendar: Any
) -> None:
    run(host, open_calendar, weekly_file())
    again = run(host, open_calendar, weekly_file())
    assert again.created == [] and again.updated == []
    assert {i.uid for i in again.skipped} == {"series-1@google.com", "weekend-1@google.com"}
    assert all("already imported" in i.reason for i in again.skipped)
    assert Event.objects.filter(space=open_calendar).count() == 2


def test_a_newer_sequence_updates_the_event_with_the_same_uid(host: Any, open_calendar: Any) -> None:
    run(host, open_calendar, weekly_file())
    series = Event.objects.get(uid="series-1@google.com")
    Event.objects.filter(pk=series.pk).update(capacity=12, guests_allowed=2)  # set here, not in the file
    report = run(host, open_calendar, weekly_file(sequence=4, title="Observing night (new name)"))
    assert [i.uid for i in report.updated] == ["series-1@google.com"]
    series.refresh_from_db()
    assert series.title == "Observing night (new name)"
    assert series.sequence == 4
    assert (series.capacity, series.guests_allowed) == (12, 2)
    assert Event.objects.filter(space=open_calendar).count() == 2
    assert Occurrence.objects.filter(event=series).count() == 6


def test_a_cancelled_event_in_a_newer_file_cancels_the_event(host: Any, open_calendar: Any) -> None:
    run(host, open_calendar, weekly_file())
    data = weekly_file(sequence=1).replace(
        b"SUMMARY:Weekly observing night\r\n", b"SUMMARY:x\r\nSTATUS:CANCELLED\r\n", 1
    )
    report = run(host, open_calendar, data)
    assert [i.uid for i in report.updated] == ["series-1@google.com"]
    assert Event.objects.get(uid="series-1@google.com").state == Event.CANCELLED


def test_dry_run_stores_nothing_and_reports_the_same(host: Any, open_calendar: Any) -> None:
    report = run(host, open_calendar, weekly_file(), dry_run=True)
    assert report.dry_run and len(report.created) == 2
    assert not Event.objects.exists() and not Occurrence.objects.exists()


def test_events_that_cannot_be_stored_are_skipped_with_a_reason(host: Any, open_calendar: Any) -> None:
    extra = (
        "BEGIN:VEVENT\r\nUID:too-long@x\r\nDTSTART:20300101T100000Z\r\nDTEND:20300130T100000Z\r\n"
        "SUMMARY:A month-long thing\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:hourly@x\r\nDTSTART:20300101T100000Z\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:Hourly\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:gap@x\r\nDTSTART;TZID=Europe/Berlin:20300331T023000\r\nSUMMARY:In the gap\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:gone@x\r\nDTSTART:20300101T100000Z\r\nSTATUS:CANCELLED\r\nSUMMARY:Off\r\nEND:VEVENT\r\n"
        f"BEGIN:VEVENT\r\nUID:{'u' * 300}\r\nDTSTART:20300101T100000Z\r\nSUMMARY:Long UID\r\nEND:VEVENT\r\n"
        "BEGIN:VTODO\r\nUID:todo@x\r\nSUMMARY:A to-do\r\nEND:VTODO\r\n"
    )
    report = run(host, open_calendar, weekly_file(extra=extra))
    reasons = {i.uid[:10]: i.reason for i in report.skipped}
    assert "at most 14 days" in reasons["too-long@x"]
    assert "at most daily" in reasons["hourly@x"]
    assert "does not exist in Europe/Berlin" in reasons["gap@x"]
    assert reasons["gone@x"] == "it is cancelled"
    assert reasons["u" * 10] == "its UID is longer than 255 characters"
    assert reasons["todo@x"] == "it is a to-do, not an event"
    assert len(report.created) == 2
    assert Event.objects.count() == 2


def test_missing_fields_get_sensible_defaults(host: Any, open_calendar: Any) -> None:
    report = run(host, open_calendar, (FILES / "mixed.ics").read_bytes(), default_zone="America/New_York")
    by_uid = {e.uid: e for e in Event.objects.all()}
    assert by_uid["no-summary@example.org"].title == "Untitled event"
    assert by_uid["no-summary@example.org"].venue == NO_PLACE
    moment = by_uid["no-end@example.org"]
    assert moment.ends_at - moment.starts_at == timedelta(hours=1)
    floating = by_uid["floating@example.org"]
    assert floating.time_zone == "America/New_York"
    assert floating.starts_at == datetime(2025, 3, 24, 23, tzinfo=UTC)
    assert len(report.created) == 5


def test_meetup_and_outlook_exports(host: Any, open_calendar: Any) -> None:
    meetup = run(host, open_calendar, (FILES / "meetup.ics").read_bytes())
    assert len(meetup.created) == 1
    assert [i.reason for i in meetup.skipped] == ["it is cancelled"]
    talks = Event.objects.get(uid="event_305112233@meetup.com")
    assert talks.description.endswith("https://www.meetup.com/riverside-python/events/305112233/")
    outlook = run(host, open_calendar, (FILES / "outlook.ics").read_bytes())
    assert len(outlook.created) == 4
    assert Event.objects.get(title="Chapter call (New York)").time_zone == "America/New_York"
    assert Event.objects.get(title="Spring fair").all_day


def test_google_conference_link_makes_an_online_event(host: Any, open_calendar: Any) -> None:
    run(host, open_calendar, (FILES / "google.ics").read_bytes())
    agm = Event.objects.get(title="Annual general meeting")
    assert agm.location_kind == Event.ONLINE
    assert agm.online_url == "https://meet.google.com/abc-defg-hij"
    series = Event.objects.get(title="Weekly observing night")
    assert series.rrule == "FREQ=WEEKLY;UNTIL=20250624T173000Z;BYDAY=TU"  # 19:30 in Berlin, normalized to UTC


def test_report_as_json(host: Any, open_calendar: Any) -> None:
    report = run(host, open_calendar, (FILES / "mixed.ics").read_bytes())
    data = json.loads(report.as_json())
    assert set(data) == {"name", "dry_run", "created", "updated", "skipped", "first_start", "last_start"}
    assert data["created"] == 5 and data["updated"] == 0
    assert {
        "uid": "todo-1@example.org",
        "title": "",
        "line": 4,
        "what": "VTODO",
        "reason": "it is a to-do, not an event",
    } in data["skipped"]
    assert data["first_start"] == "2025-03-21T18:00:00+00:00"


@pytest.mark.parametrize(
    ("who", "error", "reason"),
    [
        ("member", PermissionDenied, "Only this space's moderators import calendars."),
        ("host", PermissionDenied, "Only this space's moderators import calendars."),
        ("outsider", NotFound, None),
        ("anonymous", NotFound, None),
    ],
)
def test_who_may_import(
    request: Any, calendar: Any, who: str, error: type[Exception], reason: str | None
) -> None:
    user = None if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(error) as caught:
        run(user, calendar, weekly_file())
    if reason:
        assert caught.value.reason == reason  # type: ignore[attr-defined]
    assert not Event.objects.exists()


def test_a_space_moderator_imports_into_an_approval_calendar(space_moderator: Any, calendar: Any) -> None:
    report = run(space_moderator, calendar, weekly_file())
    assert len(report.created) == 2
    assert set(Event.objects.values_list("state", flat=True)) == {Event.PUBLISHED}


def test_someone_elses_event_with_the_same_uid_is_not_changed(
    host: Any, member: Any, open_calendar: Any
) -> None:
    run(host, open_calendar, weekly_file())
    report = run(member, open_calendar, weekly_file(sequence=9, title="Hijacked"))
    series = next(i for i in report.skipped if i.uid == "series-1@google.com")
    assert series.reason.startswith("the space already has this event, and only the event's hosts")
    assert Event.objects.get(uid="series-1@google.com").title == "Weekly observing night"


# The page: upload -> preview -> import.


def upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/calendar")


def test_page_upload_preview_then_import(client_for: Any, host: Any, open_calendar: Any) -> None:
    c = client_for(host)
    url = f"/events/import/{open_calendar.slug}/"
    page = c.get(url)
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content and b'name="step" value="preview"' in page.content
    preview = c.post(url, {"step": "preview", "file": upload("club.ics", weekly_file(extra=_todo()))})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Nothing is stored yet" in text and "Import 2 events" in text
    assert "Line 31, todo@x: it is a to-do, not an event." in text
    assert not Event.objects.exists()
    token = preview.context["token"]
    done = c.post(url, {"step": "import", "token": token})
    assert done.status_code == 302 and done["Location"] == url
    assert Event.objects.filter(space=open_calendar).count() == 2
    after = c.get(url).content.decode()
    assert "What was imported" in after and "Messier marathon weekend" in after
    # The same token cannot import twice.
    again = c.post(url, {"step": "import", "token": token})
    assert again.status_code == 400 and "The preview has expired" in again.content.decode()
    assert Event.objects.count() == 2


def _todo() -> str:
    return "BEGIN:VTODO\r\nUID:todo@x\r\nSUMMARY:A to-do\r\nEND:VTODO\r\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.ics", "Line 15 is not an iCalendar line"),
        ("truncated.ics", "END:VEVENT is missing"),
        ("not_calendar.html", "This is not an iCalendar file"),
    ],
)
def test_page_refuses_a_bad_file_with_its_reason(
    client_for: Any, host: Any, open_calendar: Any, name: str, message: str
) -> None:
    response = client_for(host).post(
        f"/events/import/{open_calendar.slug}/",
        {"step": "preview", "file": upload(name, (FILES / name).read_bytes())},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_page_without_a_file(client_for: Any, host: Any, open_calendar: Any) -> None:
    response = client_for(host).post(f"/events/import/{open_calendar.slug}/", {"step": "preview"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()


def test_page_refusals(client_for: Any, member: Any, outsider: Any, calendar: Any) -> None:
    url = f"/events/import/{calendar.slug}/"
    refused = client_for(member).get(url)
    assert refused.status_code == 403 and "moderators import calendars." in refused.content.decode()
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to sign in
    assert (
        client_for(member).post(url, {"step": "preview", "file": upload("a.ics", weekly_file())}).status_code
        == 403
    )
    assert not Event.objects.exists()


# The API twin.


API = "/api/v1/events/import"


def test_api_imports_and_reports(client_for: Any, host: Any, open_calendar: Any) -> None:
    c = client_for(host)
    dry = c.post(
        API,
        {"space": open_calendar.slug, "dry_run": "true", "file": upload("a.ics", weekly_file(extra=_todo()))},
    )
    assert dry.status_code == 200, dry.content
    assert dry.json()["created"] == 2 and dry.json()["dry_run"] is True
    assert not Event.objects.exists()
    response = c.post(API, {"space": open_calendar.slug, "file": upload("a.ics", weekly_file(extra=_todo()))})
    body = response.json()
    assert body["created"] == 2 and body["updated"] == 0
    assert body["skipped"] == [
        {
            "uid": "todo@x",
            "title": "",
            "line": body["skipped"][0]["line"],
            "what": "VTODO",
            "reason": "it is a to-do, not an event",
        }
    ]
    assert body["first_start"] < body["last_start"]
    assert Event.objects.count() == 2
    again = c.post(
        API, {"space": open_calendar.slug, "file": upload("a.ics", weekly_file(sequence=3))}
    ).json()
    assert (again["created"], again["updated"]) == (0, 1)


def test_api_errors(
    client_for: Any, host: Any, member: Any, outsider: Any, open_calendar: Any, calendar: Any
) -> None:
    bad = client_for(host).post(
        API, {"space": open_calendar.slug, "file": upload("m.ics", (FILES / "malformed.ics").read_bytes())}
    )
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("Line 15 is not an iCalendar line") and bad.json()[
        "message"
    ].endswith("Nothing was imported.")
    assert bad.json()["errors"]["file"]
    denied = client_for(member).post(API, {"space": calendar.slug, "file": upload("a.ics", weekly_file())})
    assert (
        denied.status_code == 403
        and denied.json()["message"] == "Only this space's moderators import calendars."
    )
    assert (
        client_for(outsider)
        .post(API, {"space": calendar.slug, "file": upload("a.ics", weekly_file())})
        .status_code
        == 404
    )
    assert (
        client_for(None)
        .post(API, {"space": calendar.slug, "file": upload("a.ics", weekly_file())})
        .status_code
        == 401
    )
    assert client_for(host).post(API, {"space": open_calendar.slug}).status_code == 422  # no file
    assert not Event.objects.exists()


def test_api_and_page_take_at_most_web_max_events(
    client_for: Any, host: Any, open_calendar: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from townhall.events import api_import

    monkeypatch.setattr(api_import, "WEB_MAX_EVENTS", 1)
    response = client_for(host).post(
        API, {"space": open_calendar.slug, "file": upload("a.ics", weekly_file())}
    )
    assert response.status_code == 422
    assert "more than 1 events and other items" in response.json()["message"]
    assert "townhall import ics FILE --space SLUG" in response.json()["message"]
    assert not Event.objects.exists()


def test_imports_are_rate_limited(client_for: Any, host: Any, open_calendar: Any, settings: Any) -> None:
    settings.EVENTS_IMPORT_RATE = "1/h"
    c = client_for(host)
    assert (
        c.post(API, {"space": open_calendar.slug, "file": upload("a.ics", weekly_file())}).status_code == 200
    )
    assert (
        c.post(
            API, {"space": open_calendar.slug, "dry_run": "true", "file": upload("a.ics", weekly_file())}
        ).status_code
        == 200
    )
    assert (
        c.post(API, {"space": open_calendar.slug, "file": upload("a.ics", weekly_file())}).status_code == 429
    )


# The command.


@pytest.fixture
def _no_migrate(monkeypatch: pytest.MonkeyPatch) -> None:
    from townhall import cli

    monkeypatch.setattr(cli, "_migrate_quietly", lambda: None)  # the test database is migrated


def command(*args: str) -> Any:
    from click.testing import CliRunner

    from townhall import cli

    return CliRunner().invoke(cli.main, ["import", "ics", *args])


@pytest.mark.usefixtures("_no_migrate")
def test_command_json_last_line(tmp_path: Path, host: Any, open_calendar: Any) -> None:
    path = tmp_path / "club.ics"
    path.write_bytes(weekly_file(extra=_todo()))
    dry = command(str(path), "--space", open_calendar.slug, "--as", host.username, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert "Would import 2 new events" in dry.stdout
    assert json.loads(dry.stdout.strip().splitlines()[-1])["dry_run"] is True
    assert not Event.objects.exists()
    result = command(str(path), "--space", open_calendar.slug, "--as", host.username, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["created"] == 2 and report["updated"] == 0
    assert report["skipped"][0]["reason"] == "it is a to-do, not an event"
    assert datetime.fromisoformat(report["first_start"]) < datetime.fromisoformat(report["last_start"])
    assert Event.objects.count() == 2
    again = json.loads(
        command(str(path), "--space", open_calendar.slug, "--as", host.username, "--json")
        .stdout.strip()
        .splitlines()[-1]
    )
    assert (again["created"], again["updated"]) == (0, 0) and Event.objects.count() == 2


@pytest.mark.usefixtures("_no_migrate")
def test_command_as_the_owner_by_default(tmp_path: Path, owner: Any, open_calendar: Any) -> None:
    path = tmp_path / "club.ics"
    path.write_bytes(weekly_file())
    result = command(str(path), "--space", open_calendar.slug)
    assert result.exit_code == 0, result.output
    assert Event.objects.filter(created_by=owner).count() == 2


@pytest.mark.usefixtures("_no_migrate")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["malformed.ics", "--space", "open-calendar"], "Line 15 is not an iCalendar line"),
        (["empty.ics", "--space", "open-calendar"], "The file is empty. Nothing was imported."),
        (["google.ics"], "say which space"),
        (["google.ics", "--space", "nowhere"], "no space with the slug 'nowhere'"),
        (["missing.ics", "--space", "open-calendar"], "does not exist"),
        (
            ["google.ics", "--space", "open-calendar", "--as", "nobody"],
            "no member with the username 'nobody'",
        ),
        (
            ["google.ics", "--space", "meetups", "--as", "hana"],
            "Only this space's moderators import calendars.",
        ),
    ],
)
def test_command_errors_are_one_line_and_store_nothing(
    open_calendar: Any, calendar: Any, args: list[str], message: str
) -> None:
    args = [str(FILES / args[0]), *args[1:]]
    result = command(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Event.objects.exists()
