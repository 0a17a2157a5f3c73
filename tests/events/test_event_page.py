"""The event page: when, where, hosts, counts, the RSVP form, the join link, banners and schema.org."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from events_testing import first_date, local_in, make_event

import factories as testing
from townhall.events import actions
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db


def ld_of(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json" nonce="[^"]*">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD on the page"
    return json.loads(found.group(1))


def test_a_public_event_reads_signed_out_with_a_sign_in_button(
    client: Any, host: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar, description="Bring a **red** torch.")
    response = client.get(f"/events/{event.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Star party on the hill" in html and "<strong>red</strong>" in html
    assert "Observatory hill" in html and "Sternwarte 1, Berlin" in html
    assert "Sign in to RSVP" in html and "/accounts/login/?next=" in html
    assert "Hana Host" in html


def test_members_only_events_are_404_for_outsiders_and_signed_out(
    client: Any, client_for: Any, host: Any, outsider: Any, space_moderator: Any, calendar: Any
) -> None:
    event = make_event(space_moderator, calendar)
    assert client.get(f"/events/{event.pk}/").status_code == 404
    assert client_for(outsider).get(f"/events/{event.pk}/").status_code == 404
    assert client_for(host).get(f"/events/{event.pk}/").status_code == 200
    assert client.get("/events/999999/").status_code == 404


def test_a_pending_event_shows_a_banner_to_its_host_and_approve_buttons_to_moderators(
    client_for: Any, host: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    event = make_event(host, calendar)
    mine = client_for(host).get(f"/events/{event.pk}/").content.decode()
    assert "Waiting for approval" in mine and 'value="approve"' not in mine
    assert "application/ld+json" not in mine  # nothing for search engines before it is public
    assert client_for(member).get(f"/events/{event.pk}/").status_code == 404
    moderated = client_for(space_moderator).get(f"/events/{event.pk}/").content.decode()
    assert 'value="approve"' in moderated and 'value="decline"' in moderated


def test_the_time_shows_in_the_viewers_zone_and_the_events_own(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    member.time_zone = "America/New_York"
    member.save(update_fields=["time_zone"])
    event = make_event(space_moderator, calendar, starts_local=local_in(10, 19))
    html = client_for(member).get(f"/events/{event.pk}/").content.decode()
    new_york = event.starts_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{new_york:%H:%M}" in html and "(America/New_York)" in html
    assert "19:00" in html and "in Europe/Berlin, the event's time zone" in html


def test_a_series_describes_its_rule_and_lists_next_dates(
    client_for: Any, member: Any, space_moderator: Any, calendar: Any
) -> None:
    event = make_event(space_moderator, calendar, rrule="FREQ=WEEKLY;COUNT=6", starts_local=local_in(2, 19))
    html = client_for(member).get(f"/events/{event.pk}/").content.decode()
    weekday = timezone.localtime(event.starts_at, ZoneInfo(event.time_zone)).strftime("%A")
    assert f"Every week on {weekday}, 6 times" in html
    dates = list(Occurrence.objects.filter(event=event).order_by("starts_at"))
    assert "Next dates" in html
    assert all(f"/events/date/{d.pk}/" in html for d in dates[1:])
    # A date's own page is about that date.
    third = client_for(member).get(f"/events/date/{dates[2].pk}/").content.decode()
    assert ld_of(third)["startDate"] == timezone.localtime(dates[2].starts_at, ZoneInfo(event.time_zone)).isoformat()  # fmt: skip


def test_json_ld_is_a_schema_org_event(client: Any, host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, location_kind=Event.HYBRID, online_url="https://meet.example/x")
    ld = ld_of(client.get(f"/events/{event.pk}/").content.decode())
    assert ld["@type"] == "Event" and ld["name"] == "Star party on the hill"
    assert ld["eventStatus"] == "https://schema.org/EventScheduled"
    assert ld["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = ld["location"]
    assert place["@type"] == "Place" and place["address"]["@type"] == "PostalAddress"
    assert virtual["@type"] == "VirtualLocation" and "meet.example" not in json.dumps(
        ld
    )  # the link stays private
    assert re.match(r"\d{4}-\d\d-\d\dT19:00:00\+0[12]:00", ld["startDate"])
    assert ld["organizer"][0]["name"] == "Hana Host"
    assert ld["description"] == "Bring a red torch."


def test_json_ld_cannot_close_its_script(client: Any, host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, title="</script><script>alert(1)</script>")
    html = client.get(f"/events/{event.pk}/").content.decode()
    assert "<script>alert(1)" not in html
    assert ld_of(html)["name"] == "</script><script>alert(1)</script>"


def test_a_cancelled_event_says_so_everywhere(client: Any, host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, location_kind=Event.ONLINE, online_url="https://meet.example/x",
                       venue="", address="")  # fmt: skip
    actions.cancel_event(Guardian(host), event, reason="The speaker is ill.")
    html = client.get(f"/events/{event.pk}/").content.decode()
    assert "This event is cancelled." in html and "The speaker is ill." in html
    ld = ld_of(html)
    assert ld["eventStatus"] == "https://schema.org/EventCancelled"
    assert ld["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert ld["location"]["@type"] == "VirtualLocation"


def test_the_join_link_shows_only_when_the_rule_allows(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    soon = timezone.now().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(minutes=10)
    event = make_event(host, open_calendar, location_kind=Event.ONLINE, online_url="https://meet.example/room",
                       venue="", address="", starts_local=soon.replace(tzinfo=None, second=0, microsecond=0))  # fmt: skip
    occurrence = first_date(event)
    page = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert "meet.example/room" not in page and "The join link shows to people going." in page
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
    page = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert 'href="https://meet.example/room"' in page
    assert 'href="https://meet.example/room"' in client_for(host).get(f"/events/{event.pk}/").content.decode()


def test_the_join_link_waits_until_shortly_before(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar, location_kind=Event.ONLINE, online_url="https://meet.example/room",
                       venue="", address="")  # fmt: skip
    actions.set_rsvp(Guardian(member), first_date(event), state=Rsvp.GOING)
    page = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert "meet.example/room" not in page and "15 minutes before the start" in page


def test_counts_spots_and_the_waitlist_position(
    client_for: Any, host: Any, member: Any, newcomer: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar, capacity=1)
    occurrence = first_date(event)
    actions.set_rsvp(Guardian(host), occurrence, state=Rsvp.GOING)
    other = testing.make_member("wendy", display_name="Wendy Waiting")
    actions.set_rsvp(Guardian(other), occurrence, state=Rsvp.GOING)
    actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
    html = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert "<strong>1</strong> going" in html and "<strong>2</strong> on the waitlist" in html
    assert "<strong>Full</strong>" in html
    assert "You're on the waitlist (position 2)" in html


def test_rsvp_with_guests_and_answers(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, capacity=10, guests_allowed=2,
                       questions=[{"text": "Your telescope?", "required": True}])  # fmt: skip
    occurrence = first_date(event)
    c = client_for(member)
    response = c.post(
        f"/events/date/{occurrence.pk}/rsvp/", {"state": "going", "guests": "2", "answer_q1": "Dobson"}
    )
    assert response.status_code == 302
    rsvp = Rsvp.objects.get(occurrence=occurrence, user=member)
    assert (rsvp.state, rsvp.guests, rsvp.answers) == (Rsvp.GOING, 2, {"q1": "Dobson"})
    html = c.get(response["Location"]).content.decode()
    assert "You're going with 2 guests." in html and "<strong>7</strong> spots left" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"state": "going", "guests": "-1"}, "guests", "cannot be negative"),
        ({"state": "going", "guests": "3"}, "guests", "at most 2 guests"),
        ({"state": "going", "guests": "x"}, "guests", "whole number"),
        ({"state": "going", "guests": "0", "answer_q1": ""}, "answer_q1", "Please answer"),
        ({"state": "dancing"}, "state", "valid choice"),
    ],
)
def test_rsvp_errors_show_on_their_field(
    client_for: Any,
    host: Any,
    member: Any,
    open_calendar: Any,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    event = make_event(host, open_calendar, guests_allowed=2, questions=[{"text": "Your telescope?", "required": True}])  # fmt: skip
    occurrence = first_date(event)
    data.setdefault("answer_q1", "Dobson")
    response = client_for(member).post(f"/events/date/{occurrence.pk}/rsvp/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert not Rsvp.objects.filter(occurrence=occurrence).exists()


def test_rsvp_over_htmx_returns_the_attend_box(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar)
    occurrence = first_date(event)
    response = client_for(member).post(
        f"/events/date/{occurrence.pk}/rsvp/", {"state": "maybe"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section class="card event-attend"')
    assert "You said maybe." in html and "<strong>1</strong> maybe" in html
    bad = client_for(member).post(
        f"/events/date/{occurrence.pk}/rsvp/", {"state": "x"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422 and "valid choice" in bad.content.decode()


def test_rsvp_refusals_show_their_reason(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    actions.cancel_event(Guardian(host), event)
    occurrence = first_date(event)
    page = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert "event-rsvp-form" not in page
    refused = client_for(member).post(f"/events/date/{occurrence.pk}/rsvp/", {"state": "going"})
    assert refused.status_code == 403 and "This event is cancelled." in refused.content.decode()


def test_signed_out_rsvp_goes_to_sign_in(client: Any, host: Any, open_calendar: Any) -> None:
    occurrence = first_date(make_event(host, open_calendar))
    response = client.post(f"/events/date/{occurrence.pk}/rsvp/", {"state": "going"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_group_it_is_offered_to_first(
    client_for: Any, space_moderator: Any, member: Any, open_calendar: Any
) -> None:
    chapter = testing.make_group("Berlin chapter", members=[space_moderator])
    until = local_in(3, 12)
    event = make_event(space_moderator, open_calendar, group_id=chapter.pk, group_only_until_local=until)
    html = client_for(member).get(f"/events/{event.pk}/").content.decode()
    assert "Offered to <strong>Berlin chapter</strong> first" in html
    assert "offered to its group&#x27;s members first" in html  # the rsvp rule's reason


def test_tools_show_only_to_those_allowed(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar)
    hosting = client_for(host).get(f"/events/{event.pk}/").content.decode()
    assert f"/events/{event.pk}/edit/" in hosting and f"/events/{event.pk}/cancel/" in hosting
    assert f"/events/{event.pk}/edit/" not in client_for(member).get(f"/events/{event.pk}/").content.decode()


def test_the_page_runs_a_fixed_number_of_queries(
    client_for: Any, host: Any, member: Any, open_calendar: Any
) -> None:
    def count(weeks: int) -> int:
        event = make_event(host, open_calendar, rrule=f"FREQ=WEEKLY;COUNT={weeks}", capacity=50)
        for occurrence in Occurrence.objects.filter(event=event)[:3]:
            actions.set_rsvp(Guardian(member), occurrence, state=Rsvp.GOING)
        for n in range(weeks % 5):
            actions.add_host(Guardian(host), event, user=testing.make_member(f"co{weeks}{n}"))
        c = client_for(member)
        c.get(f"/events/{event.pk}/")  # warm the session and the community row
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert c.get(f"/events/{event.pk}/").status_code == 200
        return len(captured)

    small, large = count(3), count(40)
    assert small == large
