"""The events API: the same actions as the pages, the house's error shape, never a 500."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from events_testing import first_date, local_in, make_event
from PIL import Image

from townhall.events import actions
from townhall.events.models import Event, EventHost, Rsvp
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db


def send(c: Client, method: str, url: str, body: Any) -> Any:
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json")


def payload(space: str, **fields: Any) -> dict[str, Any]:
    start = local_in(7, 19)
    body = {
        "space": space, "title": "API meetup", "starts_local": start.isoformat(),
        "ends_local": (start + timedelta(hours=2)).isoformat(), "time_zone": "Europe/Berlin",
        "venue": "Café Kosmos", "description": "Hello **there**",
    }  # fmt: skip
    body.update(fields)
    return body


def test_create_answers_201_and_waits_for_approval(client_for: Any, host: Any, calendar: Any) -> None:
    response = send(client_for(host), "post", "/api/v1/events", payload(calendar.slug))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "pending" and body["space"] == calendar.slug
    assert "<strong>there</strong>" in body["description_html"]
    assert body["hosts"] == [{"username": "hana", "name": "Hana Host", "role": "host"}]
    assert len(body["next_dates"]) == 1 and body["url"] == f"/events/{body['id']}/"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"ends_local": None}, "ends_local", ""),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"capacity": 0}, "capacity", "between 1 and"),
        ({"guests_allowed": -2}, "guests_allowed", "between 0 and 20"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"title": "x" * 3000}, "title", ""),
        ({"rrule": "FREQ=MINUTELY"}, "rrule", "at most daily"),
        (
            {"starts_local": "2027-03-28T02:30:00", "ends_local": "2027-03-28T04:00:00"},
            "starts_at",
            "does not exist",
        ),
        ({"starts_local": "2027-01-01T19:00:00+01:00"}, "starts_local", "without an offset"),
        ({"questions": ["a"] * 6}, "questions", "at most 5"),
    ],
)
def test_bad_input_is_422_with_the_field(
    client_for: Any, space_moderator: Any, calendar: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    body = payload(calendar.slug, **fields)
    if fields.get("ends_local", "") is None:
        del body["ends_local"]
    response = send(client_for(space_moderator), "post", "/api/v1/events", body)
    assert response.status_code == 422, response.json()
    error = response.json()
    assert field in error["errors"], error
    assert message in error["message"] or any(message in e for e in error["errors"][field])
    assert not Event.objects.exists()


def test_unseen_is_404_and_not_allowed_is_403_with_a_reason(
    client_for: Any, client: Any, host: Any, member: Any, outsider: Any, space_moderator: Any, calendar: Any
) -> None:
    event = make_event(space_moderator, calendar)
    assert client_for(outsider).get(f"/api/v1/events/{event.pk}").status_code == 404
    assert client.get(f"/api/v1/events/{event.pk}").status_code == 404
    refused = send(client_for(member), "patch", f"/api/v1/events/{event.pk}", {"title": "Mine now"})
    assert refused.status_code == 403 and "Only the event's hosts" in refused.json()["message"]
    assert send(client, "post", "/api/v1/events", payload(calendar.slug)).status_code == 401
    calendar.kind_settings = {"member_events": "off"}
    calendar.save(update_fields=["kind_settings"])
    off = send(client_for(member), "post", "/api/v1/events", payload(calendar.slug))
    assert off.status_code == 403 and "moderators create events" in off.json()["message"]


def test_get_list_and_patch(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(
        host, open_calendar, capacity=5, location_kind=Event.HYBRID, online_url="https://meet.example/r"
    )
    c = client_for(host)
    listed = c.get("/api/v1/events", {"space": open_calendar.slug}).json()["items"]
    assert [e["id"] for e in listed] == [event.pk]
    assert listed[0]["online_url"] == "https://meet.example/r"
    assert client_for(member).get(f"/api/v1/events/{event.pk}").json()["online_url"] is None
    patched = send(c, "patch", f"/api/v1/events/{event.pk}", {"title": "Renamed", "capacity": None})
    assert patched.status_code == 200 and patched.json()["title"] == "Renamed"
    assert patched.json()["capacity"] is None and patched.json()["venue"] == "Observatory hill"
    bad = send(c, "patch", f"/api/v1/events/{event.pk}", {"capacity": 0})
    assert bad.status_code == 422 and "capacity" in bad.json()["errors"]


def test_review_cancel_and_delete(client_for: Any, host: Any, space_moderator: Any, calendar: Any) -> None:
    event = make_event(host, calendar)
    mod = client_for(space_moderator)
    assert (
        send(client_for(host), "post", f"/api/v1/events/{event.pk}/review", {"approve": True}).status_code
        == 403
    )
    approved = send(mod, "post", f"/api/v1/events/{event.pk}/review", {"approve": True, "note": "Lovely"})
    assert approved.status_code == 200 and approved.json()["state"] == "published"
    again = send(mod, "post", f"/api/v1/events/{event.pk}/review", {"approve": False})
    assert again.status_code == 403 and "not waiting" in again.json()["message"]
    long = send(client_for(host), "post", f"/api/v1/events/{event.pk}/cancel", {"reason": "x" * 501})
    assert long.status_code == 422 and "reason" in long.json()["errors"]
    cancelled = send(client_for(host), "post", f"/api/v1/events/{event.pk}/cancel", {"reason": "Rain"})
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["cancel_reason"] == "Rain"
    assert client_for(host).delete(f"/api/v1/events/{event.pk}").status_code == 403
    assert mod.delete(f"/api/v1/events/{event.pk}").status_code == 204
    assert not Event.objects.filter(pk=event.pk).exists()


def test_hosts(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    c = client_for(host)
    added = send(c, "post", f"/api/v1/events/{event.pk}/hosts", {"username": "max"})
    assert added.status_code == 201 and [h["username"] for h in added.json()["items"]] == ["hana", "max"]
    unknown = send(c, "post", f"/api/v1/events/{event.pk}/hosts", {"username": "nobody"})
    assert unknown.status_code == 422 and "username" in unknown.json()["errors"]
    assert c.get(f"/api/v1/events/{event.pk}/hosts").json()["items"][1]["role"] == "cohost"
    assert c.delete(f"/api/v1/events/{event.pk}/hosts/max").status_code == 200
    assert not EventHost.objects.filter(event=event, user=member).exists()
    last = c.delete(f"/api/v1/events/{event.pk}/hosts/hana")
    assert last.status_code == 422 and "at least one host" in last.json()["message"]


def test_my_rsvp_the_waitlist_and_a_promotion(
    client_for: Any, host: Any, member: Any, newcomer: Any, open_calendar: Any
) -> None:
    event = make_event(host, open_calendar, capacity=1, guests_allowed=1)
    occurrence = first_date(event)
    url = f"/api/v1/occurrences/{occurrence.pk}/rsvp"
    mine = client_for(member).get(url).json()
    assert mine["state"] is None and mine["can_rsvp"] is True
    assert send(client_for(host), "put", url, {"state": "going"}).json()["state"] == "going"
    waiting = send(client_for(member), "put", url, {"state": "going"})
    assert waiting.status_code == 200 and waiting.json()["state"] == "waitlisted"
    assert waiting.json()["waitlist_position"] == 1 and waiting.json()["date"]["spots_left"] == 0
    send(client_for(host), "put", url, {"state": "not_going"})
    promoted = client_for(member).get(url).json()
    assert promoted["state"] == "going" and promoted["waitlist_position"] is None
    for body, field in [({"state": "going", "guests": -1}, "guests"), ({"state": "going", "guests": 5}, "guests"),
                        ({"state": "dancing"}, "state"), ({"state": "going", "answers": {"zz": "x"}}, "answers")]:  # fmt: skip
        bad = send(client_for(host), "put", url, body)
        assert bad.status_code == 422 and field in bad.json()["errors"], (body, bad.json())
    assert Rsvp.objects.get(occurrence=occurrence, user=member).state == Rsvp.GOING


def test_rsvp_refusals(client: Any, client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    occurrence = first_date(event)
    url = f"/api/v1/occurrences/{occurrence.pk}/rsvp"
    assert client.get(url).json()["rsvp_reason"] == "Sign in to RSVP."
    assert send(client, "put", url, {"state": "going"}).status_code == 401
    actions.cancel_event(Guardian(host), event)
    refused = send(client_for(member), "put", url, {"state": "going"})
    assert refused.status_code == 403 and refused.json()["message"] == "This event is cancelled."
    assert client.get("/api/v1/occurrences/99999999/rsvp").status_code == 404


def test_the_join_link_follows_the_rule(client_for: Any, host: Any, member: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar, location_kind=Event.ONLINE, online_url="https://meet.example/r",
                       venue="", address="")  # fmt: skip
    url = f"/api/v1/occurrences/{first_date(event).pk}/rsvp"
    answer = send(client_for(member), "put", url, {"state": "going"}).json()
    assert answer["join_url"] is None and "15 minutes" in answer["join_link_reason"]
    assert client_for(host).get(url).json()["join_url"] == "https://meet.example/r"


def test_cover_upload_and_removal(client_for: Any, host: Any, open_calendar: Any) -> None:
    event = make_event(host, open_calendar)
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 90, 200)).save(out, format="PNG")
    c = client_for(host)
    response = c.post(
        f"/api/v1/events/{event.pk}/cover", {"file": SimpleUploadedFile("c.png", out.getvalue())}
    )
    assert response.status_code == 200 and response.json()["cover_url"].startswith(
        f"/events/{event.pk}/cover/"
    )
    text = c.post(f"/api/v1/events/{event.pk}/cover", {"file": SimpleUploadedFile("c.txt", b"hi")})
    assert text.status_code == 422 and "must be an image" in text.json()["message"]
    assert c.delete(f"/api/v1/events/{event.pk}/cover").json()["cover_url"] is None
