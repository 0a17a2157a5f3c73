"""The hosts' attendee list and its CSV: who is going (guests, answers), maybe, the waitlist in order,
not going, check-ins; a fixed number of queries; CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from door_testing import going, people, tonight

from townhall.core.errors import NotFound, PermissionDenied
from townhall.events import actions, attendees
from townhall.events.models import Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db
ATTENDEES_QUERIES = 9  # session, user, standing, the date with its event, hosts (per rule asked), the rows

QUESTIONS = [
    {"id": "q1", "text": "Dietary needs?", "required": False},
    {"id": "q2", "text": "Telescope?", "required": False},
]


def _busy(space_moderator: Any, calendar: Any, host: Any) -> Any:
    occurrence = tonight(
        space_moderator, calendar, host=host, capacity=3, guests_allowed=2, questions=QUESTIONS
    )
    zed, amy, bo, cat, dan, eve = people(calendar, ["zed", "amy", "bo", "cat", "dan", "xeno"])
    going(occurrence, zed, guests=1, answers={"q1": "Vegan", "q2": '=HYPERLINK("http://evil")'})
    going(occurrence, amy)
    going(occurrence, bo)  # waitlisted first
    going(occurrence, cat)  # waitlisted second
    actions.set_rsvp(Guardian(dan), occurrence, state=Rsvp.MAYBE, answers={"q1": "+1 nuts"})
    actions.set_rsvp(Guardian(eve), occurrence, state=Rsvp.NOT_GOING)
    return occurrence


def test_the_list_groups_people_and_keeps_the_waitlist_order(
    space_moderator: Any, host: Any, calendar: Any
) -> None:
    occurrence = _busy(space_moderator, calendar, host)
    found = attendees.attendee_list(Guardian(host), occurrence)
    assert [r.user.username for r in found.going] == ["amy", "zed"]  # by name
    assert [(r.user.username, r.position) for r in found.waitlist] == [("bo", 1), ("cat", 2)]  # type: ignore[attr-defined]
    assert [r.user.username for r in found.maybe] == ["dan"] and found.not_going == 1
    zed = found.going[1]
    assert zed.guests == 1 and zed.answer_list == [
        ("Dietary needs?", "Vegan"),
        ("Telescope?", '=HYPERLINK("http://evil")'),
    ]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("persona", "error"),
    [("member", PermissionDenied), ("newcomer", PermissionDenied), ("outsider", NotFound)],
)
def test_only_hosts_and_moderators_see_it(
    request: Any, space_moderator: Any, host: Any, calendar: Any, persona: str, error: type
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    with pytest.raises(error):
        attendees.attendee_list(Guardian(request.getfixturevalue(persona)), occurrence)
    for allowed in (
        host,
        space_moderator,
        request.getfixturevalue("moderator"),
        request.getfixturevalue("owner"),
    ):
        attendees.attendee_list(Guardian(allowed), occurrence)


def test_the_page_shows_every_group_with_answers(
    client_for: Any, space_moderator: Any, host: Any, calendar: Any
) -> None:
    occurrence = _busy(space_moderator, calendar, host)
    actions.check_in(Guardian(host), Rsvp.objects.get(occurrence=occurrence, user__username="amy"))
    html = client_for(host).get(f"/events/date/{occurrence.pk}/attendees/").content.decode()
    for text in ("Zed", "Amy", "Bo", "Cat", "Dan", "Vegan", "Dietary needs?", "Waitlist", "Maybe",
                 "<strong>1</strong> not going", "<strong>1</strong> checked in", "Download CSV"):  # fmt: skip
        assert text in html, text
    assert "Xeno" not in html  # not going: counted, not listed
    assert html.index(">Bo <") < html.index(">Cat <")


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("outsider", 404)])
def test_the_page_and_csv_refuse_others(
    request: Any, client_for: Any, space_moderator: Any, calendar: Any, persona: str, status: int
) -> None:
    occurrence = tonight(space_moderator, calendar)
    c = client_for(request.getfixturevalue(persona))
    assert c.get(f"/events/date/{occurrence.pk}/attendees/").status_code == status
    assert c.get(f"/events/date/{occurrence.pk}/attendees.csv").status_code == status
    assert c.get(f"/api/v1/occurrences/{occurrence.pk}/attendees").status_code == status


def test_the_page_runs_a_fixed_number_of_queries(
    client_for: Any, space_moderator: Any, host: Any, calendar: Any, django_assert_num_queries: Any
) -> None:
    occurrence = _busy(space_moderator, calendar, host)
    c = client_for(host)
    c.get(f"/events/date/{occurrence.pk}/attendees/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get(f"/events/date/{occurrence.pk}/attendees/")
    for person in people(calendar, [f"more{n}" for n in range(10)]):
        actions.set_rsvp(Guardian(person), occurrence, state=Rsvp.GOING)  # all waitlisted: full
    with django_assert_num_queries(len(few.captured_queries)):
        assert c.get(f"/events/date/{occurrence.pk}/attendees/").status_code == 200
    # Pinned: the session, the user, the date with its event, hosts, the rule's standing, the rows.
    assert len(few.captured_queries) == ATTENDEES_QUERIES, [q["sql"][:90] for q in few.captured_queries]


def test_csv_columns_and_formula_escaping(
    client_for: Any, space_moderator: Any, host: Any, calendar: Any
) -> None:
    occurrence = _busy(space_moderator, calendar, host)
    actions.check_in(Guardian(host), Rsvp.objects.get(occurrence=occurrence, user__username="zed"))
    answer = client_for(host).get(f"/events/date/{occurrence.pk}/attendees.csv")
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert answer["Content-Disposition"].startswith('attachment; filename="attendees-')
    raw = answer.content
    assert raw.startswith("\ufeff".encode())  # a BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Username", "State", "Guests", "Checked in at", "Dietary needs?", "Telescope?", "Waitlist position"]  # fmt: skip
    by_user = {row[1]: row for row in rows[1:]}
    assert set(by_user) == {"amy", "zed", "bo", "cat", "dan"}
    zed = by_user["zed"]
    assert zed[2] == "Going" and zed[3] == "1" and zed[4] != "" and zed[5] == "Vegan"
    assert zed[6] == '\'=HYPERLINK("http://evil")'  # a formula is shown as text
    assert by_user["dan"][5] == "'+1 nuts"
    assert by_user["bo"][7] == "1" and by_user["cat"][7] == "2" and by_user["bo"][2] == "On the waitlist"


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""), (3, "3"), ("Zoë", "Zoë")],
)  # fmt: skip
def test_safe_cell(value: Any, cell: str) -> None:
    assert attendees.safe_cell(value) == cell


def test_a_hostile_name_is_escaped_in_the_csv(
    client_for: Any, space_moderator: Any, host: Any, calendar: Any
) -> None:
    occurrence = tonight(space_moderator, calendar, host=host)
    (evil,) = people(calendar, ["evil"])
    evil.display_name = "=cmd|' /C calc'!A0"
    evil.save(update_fields=["display_name"])
    going(occurrence, evil)
    text = client_for(host).get(f"/events/date/{occurrence.pk}/attendees.csv").content.decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0] == "'=cmd|' /C calc'!A0"


def test_api_lists_attendees(client_for: Any, space_moderator: Any, host: Any, calendar: Any) -> None:
    occurrence = _busy(space_moderator, calendar, host)
    body = client_for(host).get(f"/api/v1/occurrences/{occurrence.pk}/attendees").json()
    assert [p["username"] for p in body["going"]] == ["amy", "zed"]
    assert [(p["username"], p["waitlist_position"]) for p in body["waitlist"]] == [("bo", 1), ("cat", 2)]
    assert (
        body["not_going"] == 1 and body["going_count"] == 3 and body["going"][1]["answers"]["q1"] == "Vegan"
    )
    assert client_for(host).get("/api/v1/occurrences/abc/attendees").status_code == 422
