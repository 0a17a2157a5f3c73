"""Check-in at the door: only people going, idempotent, undo, Activity rows, tickets, pages and API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from door_testing import going, people, shift, tonight

from townhall.activity.models import Activity
from townhall.core.errors import NotFound, PermissionDenied
from townhall.events import actions
from townhall.events.events import CheckedIn, CheckInUndone
from townhall.events.models import Occurrence, Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db
DOOR_QUERIES = 8  # pinned: the door page's queries, whatever the number of people


def _fresh(occurrence: Occurrence) -> Occurrence:
    return Occurrence.objects.select_related("event", "event__space").get(pk=occurrence.pk)


def test_checking_in_counts_seats_records_attendance_and_emits(
    space_moderator: Any, host: Any, member: Any, calendar: Any, emitted: list[Any]
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host, guests_allowed=2)
    rsvp = going(occurrence, member, guests=2)
    checked = actions.check_in(Guardian(host), rsvp)
    assert checked.checked_in_at is not None and checked.checked_in_by_id == host.pk
    assert _fresh(occurrence).checked_in_count == 3
    row = Activity.objects.get(verb="event.attended")
    assert row.actor_id == member.pk and row.target_id == occurrence.pk and row.space_id == calendar.pk
    assert row.data == {"event_id": occurrence.event_id, "occurrence_id": occurrence.pk, "guests": 2}
    assert next(e for e in emitted if isinstance(e, CheckedIn)).user_id == member.pk


def test_checking_in_twice_keeps_the_first_time(
    space_moderator: Any, host: Any, member: Any, calendar: Any, emitted: list[Any]
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    rsvp = going(occurrence, member)
    first = actions.check_in(Guardian(host), rsvp).checked_in_at
    again = actions.check_in(Guardian(space_moderator), rsvp)
    assert again.checked_in_at == first and again.checked_in_by_id == host.pk
    assert _fresh(occurrence).checked_in_count == 1
    assert Activity.objects.filter(verb="event.attended").count() == 1
    assert len([e for e in emitted if isinstance(e, CheckedIn)]) == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [(Rsvp.MAYBE, "answered maybe"), (Rsvp.NOT_GOING, "not going")],
)
def test_people_not_going_are_refused(
    space_moderator: Any, host: Any, member: Any, calendar: Any, state: str, message: str
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    rsvp = actions.set_rsvp(Guardian(member), occurrence, state=state)
    with pytest.raises(PermissionDenied, match=message):
        actions.check_in(Guardian(host), rsvp)
    assert (
        _fresh(occurrence).checked_in_count == 0
        and not Activity.objects.filter(verb="event.attended").exists()
    )


def test_the_waitlisted_are_refused_until_seated(
    space_moderator: Any, host: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host, capacity=1)
    going(occurrence, member)
    waiting = going(occurrence, newcomer)
    assert waiting.state == Rsvp.WAITLISTED
    with pytest.raises(PermissionDenied, match="Nina Newcomer is on the waitlist"):
        actions.check_in(Guardian(host), waiting)
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.NOT_GOING)  # a seat frees up
    waiting.refresh_from_db()
    assert actions.check_in(Guardian(host), waiting).checked_in_at is not None


def test_undo_takes_the_check_in_back_and_appends_to_the_log(
    space_moderator: Any, host: Any, member: Any, calendar: Any, emitted: list[Any]
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host, guests_allowed=1)
    rsvp = going(occurrence, member, guests=1)
    actions.check_in(Guardian(host), rsvp)
    undone = actions.undo_check_in(Guardian(host), rsvp)
    assert undone.checked_in_at is None and undone.checked_in_by_id is None
    assert _fresh(occurrence).checked_in_count == 0
    assert list(Activity.objects.order_by("id").filter(verb__startswith="event.att").values_list("verb", flat=True)) == [
        "event.attended", "event.attendance_undone"
    ]  # fmt: skip
    assert any(isinstance(e, CheckInUndone) for e in emitted)
    again = actions.undo_check_in(Guardian(host), rsvp)  # idempotent
    assert again.checked_in_at is None and _fresh(occurrence).checked_in_count == 0
    assert Activity.objects.filter(verb="event.attendance_undone").count() == 1


@pytest.mark.parametrize("persona", ["member", "newcomer", "outsider"])
def test_only_hosts_and_moderators_check_in(
    request: Any, space_moderator: Any, host: Any, member: Any, calendar: Any, persona: str
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    rsvp = going(occurrence, member)
    who = request.getfixturevalue(persona)
    expected = NotFound if persona == "outsider" else PermissionDenied
    with pytest.raises(expected):
        actions.check_in(Guardian(who), rsvp)
    for allowed in (host, space_moderator, request.getfixturevalue("moderator")):
        actions.check_in(Guardian(allowed), rsvp)


def test_check_in_only_around_the_date(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    later = shift(occurrence, 72)
    rsvp.occurrence = later
    with pytest.raises(PermissionDenied, match="opens on the day"):
        actions.check_in(Guardian(space_moderator), rsvp)
    rsvp.occurrence = shift(later, -200)
    with pytest.raises(PermissionDenied, match="has closed"):
        actions.check_in(Guardian(space_moderator), rsvp)


def test_a_ticket_checks_in_on_its_own_date_only(space_moderator: Any, member: Any, calendar: Any) -> None:
    occurrence = tonight(space_moderator, calendar)
    other = tonight(space_moderator, calendar, title="Another night")
    rsvp = going(occurrence, member)
    with pytest.raises(PermissionDenied, match="another date"):
        actions.check_in_ticket(Guardian(space_moderator), other, rsvp.ticket)
    with pytest.raises(NotFound):
        actions.check_in_ticket(Guardian(space_moderator), occurrence, "not-a-ticket")
    assert actions.check_in_ticket(Guardian(space_moderator), occurrence, rsvp.ticket).pk == rsvp.pk


def test_a_member_cannot_probe_tickets(
    space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    with pytest.raises(PermissionDenied, match="Only the event's hosts"):
        actions.check_in_ticket(Guardian(newcomer), occurrence, rsvp.ticket)
    with pytest.raises(PermissionDenied, match="Only the event's hosts"):
        actions.check_in_ticket(Guardian(newcomer), occurrence, "nope")


# --- pages ------------------------------------------------------------------------------------------
def test_the_door_page_lists_people_going_and_filters_by_name(
    client_for: Any, space_moderator: Any, host: Any, member: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host, capacity=3)
    ada, bob, cy, dee = people(calendar, ["ada", "bob", "cyril", "dee"])
    for person in (ada, bob, cy):
        going(occurrence, person)
    going(occurrence, dee)  # waitlisted: not on the door list
    c = client_for(host)
    html = c.get(f"/events/date/{occurrence.pk}/door/").content.decode()
    assert "Ada" in html and "Bob" in html and "Cyril" in html and "Dee" not in html
    assert "<strong>0</strong> of 3 checked in" in html
    found = c.get(f"/events/date/{occurrence.pk}/door/?q=cyr").content.decode()
    assert "Cyril" in found and "Ada" not in found
    part = c.get(
        f"/events/date/{occurrence.pk}/door/?q=bo", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="door-list"
    )
    body = part.content.decode()
    assert 'id="door-list"' in body and "Bob" in body and "<html" not in body
    nobody = c.get(f"/events/date/{occurrence.pk}/door/?q=zzz").content.decode()
    assert "Nobody going matches" in nobody


def test_the_door_page_runs_a_fixed_number_of_queries(
    client_for: Any, space_moderator: Any, host: Any, calendar: Any, django_assert_max_num_queries: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    c = client_for(host)
    for person in people(calendar, ["p1", "p2"]):
        going(occurrence, person)
    c.get(f"/events/date/{occurrence.pk}/door/")  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert c.get(f"/events/date/{occurrence.pk}/door/").status_code == 200
    for person in people(calendar, [f"q{n}" for n in range(12)]):
        going(occurrence, person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(f"/events/date/{occurrence.pk}/door/").status_code == 200
    assert len(few.captured_queries) == DOOR_QUERIES, [q["sql"][:80] for q in few.captured_queries]


def test_tapping_check_in_swaps_the_row_and_the_counts(
    client_for: Any, space_moderator: Any, host: Any, member: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    rsvp = going(occurrence, member)
    c = client_for(host)
    answer = c.post(
        f"/events/date/{occurrence.pk}/door/{rsvp.pk}/check-in/", {"q": "max"}, HTTP_HX_REQUEST="true"
    )
    html = answer.content.decode()
    assert answer.status_code == 200 and f'id="p-{rsvp.pk}"' in html and "Checked in" in html
    assert 'id="door-counts"' in html and 'hx-swap-oob="true"' in html and "<strong>1</strong> of 1" in html
    plain = c.post(f"/events/date/{occurrence.pk}/door/{rsvp.pk}/undo/", {"q": "max"})
    assert plain.status_code == 302 and plain["Location"].endswith(f"/door/?q=max#p-{rsvp.pk}")
    assert _fresh(occurrence).checked_in_count == 0


def test_a_refused_tap_says_why_in_the_row(
    client_for: Any, space_moderator: Any, host: Any, member: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    rsvp = actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.MAYBE)
    c = client_for(host)
    html = c.post(
        f"/events/date/{occurrence.pk}/door/{rsvp.pk}/check-in/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "answered maybe" in html and 'role="alert"' in html
    plain = c.post(f"/events/date/{occurrence.pk}/door/{rsvp.pk}/check-in/", follow=True)
    assert "answered maybe" in plain.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("newcomer", 403), ("outsider", 404)])
def test_door_pages_refuse_everyone_else(
    request: Any, client_for: Any, space_moderator: Any, member: Any, calendar: Any, persona: str, status: int
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    c = client_for(request.getfixturevalue(persona))
    base = f"/events/date/{occurrence.pk}"
    assert c.get(f"{base}/door/").status_code == status
    assert c.post(f"{base}/door/{rsvp.pk}/check-in/").status_code == status
    assert c.get(f"{base}/door/ticket/{rsvp.ticket}/").status_code == status
    assert _fresh(occurrence).checked_in_count == 0


def test_anonymous_visitors_are_sent_to_log_in(client: Any, space_moderator: Any, calendar: Any) -> None:
    occurrence = tonight(space_moderator, calendar)
    assert client.get(f"/events/date/{occurrence.pk}/door/").status_code == 302


def test_the_ticket_page_shows_a_qr_code_of_the_door_url_to_its_holder(
    client_for: Any, space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    html = client_for(member).get(f"/events/ticket/{rsvp.ticket}/").content.decode()
    assert "<svg" in html and 'role="img"' in html and "QR code of Max Member" in html
    assert client_for(space_moderator).get(f"/events/ticket/{rsvp.ticket}/").status_code == 200
    assert client_for(newcomer).get(f"/events/ticket/{rsvp.ticket}/").status_code == 404
    assert client_for(member).get("/events/ticket/no-such-ticket/").status_code == 404


def test_the_qr_code_encodes_the_hosts_door_url() -> None:
    from townhall.events.door_views import ticket_qr_svg

    svg = ticket_qr_svg("https://example.org/events/date/1/door/ticket/abc/")
    assert svg.startswith("<svg") and "viewBox" in svg and "<script" not in svg


def test_a_scanned_ticket_shows_the_person_and_checks_them_in(
    client_for: Any, space_moderator: Any, member: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    c = client_for(space_moderator)
    url = f"/events/date/{occurrence.pk}/door/ticket/{rsvp.ticket}/"
    page = c.get(url).content.decode()
    assert "Max Member" in page and "Check in" in page
    done = c.post(url, follow=True).content.decode()
    assert "Checked in at" in done
    other = tonight(space_moderator, calendar, title="Other night")
    wrong = c.get(f"/events/date/{other.pk}/door/ticket/{rsvp.ticket}/")
    assert wrong.status_code == 409 and "another date" in wrong.content.decode()
    assert c.get(f"/events/date/{occurrence.pk}/door/ticket/nope/").status_code == 404


def test_a_scanned_ticket_of_someone_waitlisted_is_refused(
    client_for: Any, space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, capacity=1)
    going(occurrence, member)
    waiting = going(occurrence, newcomer)
    c = client_for(space_moderator)
    url = f"/events/date/{occurrence.pk}/door/ticket/{waiting.ticket}/"
    assert "cannot be checked in" in c.get(url).content.decode()
    refused = c.post(url)
    assert refused.status_code == 403 and "waitlist" in refused.content.decode()


# --- API --------------------------------------------------------------------------------------------
def _api(c: Any, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return getattr(c, method)(url)
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json")


def test_api_checks_in_by_username_or_ticket_and_undoes(
    client_for: Any, space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    other = going(occurrence, newcomer)
    c = client_for(space_moderator)
    url = f"/api/v1/occurrences/{occurrence.pk}/check-in"
    first = _api(c, "post", url, {"username": "MAX"})
    assert first.status_code == 200 and first.json()["checked_in_count"] == 1
    again = _api(c, "post", url, {"username": "max"})
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    assert _api(c, "post", url, {"ticket": other.ticket}).json()["checked_in_count"] == 2
    undone = _api(c, "delete", f"{url}?username=max")
    assert undone.status_code == 200 and undone.json()["checked_in_at"] is None
    assert undone.json()["checked_in_count"] == 1
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None


def test_api_refusals_are_clear(
    client_for: Any, space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.MAYBE)
    c = client_for(space_moderator)
    url = f"/api/v1/occurrences/{occurrence.pk}/check-in"
    maybe = _api(c, "post", url, {"username": "max"})
    assert maybe.status_code == 403 and "answered maybe" in maybe.json()["message"]
    stranger = _api(c, "post", url, {"username": "nobody"})
    assert stranger.status_code == 422 and "RSVP going first" in stranger.json()["message"]
    empty = _api(c, "post", url, {})
    assert empty.status_code == 422 and empty.json()["errors"]["username"]
    bad = c.post(url, data="{nope", content_type="application/json")
    assert bad.status_code in (400, 422)
    assert _api(c, "post", url, {"ticket": "x" * 41}).status_code == 422
    assert _api(c, "post", "/api/v1/occurrences/999999/check-in", {"username": "max"}).status_code == 404
    as_member = _api(client_for(newcomer), "post", url, {"username": "max"})
    assert as_member.status_code == 403


def test_the_scan_page_opens_a_ticket_by_its_code(
    client_for: Any, space_moderator: Any, member: Any, newcomer: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar)
    rsvp = going(occurrence, member)
    c = client_for(space_moderator)
    url = f"/events/date/{occurrence.pk}/door/scan/"
    page = c.get(url).content.decode()
    assert "events/door-scan.js" in page and "data-door-scanner" in page and " hidden" in page
    found = c.get(url, {"code": f" {rsvp.ticket[:8]} "})
    assert (
        found.status_code == 302
        and found["Location"] == f"/events/date/{occurrence.pk}/door/ticket/{rsvp.ticket}/"
    )
    short = c.get(url, {"code": rsvp.ticket[:3]})
    assert short.status_code == 400 and "at least 6 characters" in short.content.decode()
    assert "No ticket for this date" in c.get(url, {"code": "zzzzzzzz"}).content.decode()
    other = tonight(space_moderator, calendar, title="Other night")
    assert c.get(f"/events/date/{other.pk}/door/scan/", {"code": rsvp.ticket[:8]}).status_code == 400
    assert client_for(newcomer).get(url).status_code == 403


def test_changing_the_answer_after_check_in_keeps_the_count_right(
    space_moderator: Any, host: Any, member: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host, guests_allowed=2)
    rsvp = going(occurrence, member, guests=2)
    actions.check_in(Guardian(host), rsvp)
    going(_fresh(occurrence), member, guests=1)  # one guest went home
    assert _fresh(occurrence).checked_in_count == 2
    actions.set_rsvp(Guardian(member), _fresh(occurrence), state=Rsvp.NOT_GOING)
    assert _fresh(occurrence).checked_in_count == 0
    assert Rsvp.objects.get(user=member).checked_in_at is None
