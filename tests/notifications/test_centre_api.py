"""/api/v1/notifications: the same list, count, marking read, choices, settings and pause as the pages,
with 4xx answers in the one error shape for bad input and for other people's notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from notify_testing import MENTION, REACTION, REPLY, notify

from townhall.accounts.actions import create_access_token
from townhall.notifications.models import Notification, Preference, Settings
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds")]


def send(c: Any, method: str, url: str, body: Any = None) -> Any:
    return getattr(c, method)(
        url, data=json.dumps(body if body is not None else {}), content_type="application/json"
    )


def test_the_list_with_filters_and_pages(client_for: Any, member: Any, ana: Any, observatory: Space) -> None:
    start = timezone.now() - timedelta(hours=1)
    notify(member, actor=ana, title="Reply", when=start, read=True, url="/t/1/#post-2")
    notify(member, kind=MENTION.key, actor=ana, title="Mention", when=start + timedelta(minutes=1))
    notify(
        member,
        kind=REACTION.key,
        actor=ana,
        space=observatory,
        actor_count=3,
        when=start + timedelta(minutes=2),
    )
    c = client_for(member)
    body = c.get("/api/v1/notifications").json()
    assert [item["kind"] for item in body["items"]] == [REACTION.key, MENTION.key, REPLY.key]
    first = body["items"][0]
    assert first["text"] == "Ana Aperture and 2 others reacted to Dark skies near the coast"
    assert first["actor"] == {"username": "ana", "name": "Ana Aperture"} and first["space"] == "observatory"
    assert first["unread"] is True and first["actor_count"] == 3
    assert body["items"][2]["url"] == "/t/1/#post-2" and body["items"][2]["unread"] is False
    assert [i["kind"] for i in c.get("/api/v1/notifications?filter=mentions").json()["items"]] == [
        MENTION.key
    ]
    assert len(c.get("/api/v1/notifications?filter=unread").json()["items"]) == 2
    one = c.get("/api/v1/notifications?limit=1").json()
    two = c.get(f"/api/v1/notifications?limit=1&cursor={one['next_cursor']}").json()
    assert two["items"][0]["kind"] == MENTION.key
    SpaceMembership.objects.filter(space=observatory, user=member).delete()
    assert [i["kind"] for i in c.get("/api/v1/notifications").json()["items"]] == [MENTION.key, REPLY.key]


@pytest.mark.parametrize(
    ("query", "status"),
    [("filter=everything", 422), ("limit=0", 422), ("limit=101", 422), ("cursor=zzz", 400)],
)
def test_bad_list_queries(client_for: Any, member: Any, query: str, status: int) -> None:
    answer = client_for(member).get(f"/api/v1/notifications?{query}")
    assert answer.status_code == status and answer.json()["message"]


def test_the_unread_count(client_for: Any, member: Any, ana: Any) -> None:
    notify(member, actor=ana)
    notify(member, actor=ana, read=True)
    assert client_for(member).get("/api/v1/notifications/unread-count").json() == {
        "unread": 1,
        "capped": False,
    }


def test_signed_out_and_read_only_callers(client: Any, member: Any, ana: Any) -> None:
    row = notify(member, actor=ana)
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.get("/api/v1/notifications/unread-count").status_code == 401
    _token, secret = create_access_token(Guardian(member), member, name="reader", scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/notifications", **auth).status_code == 200
    write = client.post(f"/api/v1/notifications/{row.pk}/read", **auth)
    assert write.status_code == 403 and "read-only" in write.json()["message"]


def test_mark_read(client_for: Any, member: Any, ana: Any) -> None:
    row = notify(member, actor=ana)
    c = client_for(member)
    answer = send(c, "post", f"/api/v1/notifications/{row.pk}/read")
    assert answer.status_code == 200 and answer.json()["unread"] is False and answer.json()["read_at"]
    theirs = notify(ana, actor=member)
    unseen = send(c, "post", f"/api/v1/notifications/{theirs.pk}/read")
    missing = send(c, "post", "/api/v1/notifications/99999999/read")
    assert unseen.status_code == missing.status_code == 404 and unseen.json() == missing.json()
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_mark_all_read(client_for: Any, member: Any, ana: Any) -> None:
    notify(member, actor=ana)
    notify(member, kind=MENTION.key, actor=ana)
    c = client_for(member)
    assert send(c, "post", "/api/v1/notifications/read", {"filter": "mentions"}).json() == {"marked": 1}
    assert send(c, "post", "/api/v1/notifications/read").json() == {"marked": 1}
    bad = send(c, "post", "/api/v1/notifications/read", {"filter": "some"})
    assert bad.status_code == 422 and "filter" in bad.json()["errors"]


def test_preferences_get_and_put(client_for: Any, member: Any) -> None:
    c = client_for(member)
    rows = c.get("/api/v1/notifications/preferences").json()
    reply_email = next(r for r in rows if r["kind"] == REPLY.key and r["channel"] == "email")
    assert reply_email == {
        "kind": REPLY.key,
        "label": "Replies to you",
        "channel": "email",
        "default": True,
        "enabled": True,
    }
    answer = send(
        c,
        "put",
        "/api/v1/notifications/preferences",
        {"preferences": [{"kind": REPLY.key, "channel": "email", "enabled": False}]},
    )
    assert answer.status_code == 200
    changed = next(r for r in answer.json() if r["kind"] == REPLY.key and r["channel"] == "email")
    assert changed["enabled"] is False and changed["default"] is True
    assert Preference.objects.filter(user=member).count() == 1


@pytest.mark.parametrize(
    ("preference", "message"),
    [
        (
            {"kind": "nonsense", "channel": "email", "enabled": True},
            "There is no notification kind called 'nonsense'.",
        ),
        (
            {"kind": REPLY.key, "channel": "fax", "enabled": True},
            "There is no channel called 'fax'; choose web, email or push.",
        ),
        ({"kind": REPLY.key, "channel": "email"}, "preferences.0.enabled: Field required"),
        (
            {"kind": "x" * 41, "channel": "email", "enabled": True},
            "preferences.0.kind: String should have at most 40 characters",
        ),
    ],
)
def test_bad_preferences(client_for: Any, member: Any, preference: dict[str, Any], message: str) -> None:
    body = {"preferences": [{"kind": REPLY.key, "channel": "web", "enabled": False}, preference]}
    answer = send(client_for(member), "put", "/api/v1/notifications/preferences", body)
    assert answer.status_code == 422 and answer.json()["message"] == message.replace(
        "preferences.0", "preferences.1"
    )
    assert not Preference.objects.exists()


def test_settings_get_and_put(client_for: Any, member: Any) -> None:
    member.time_zone = "America/Chicago"
    member.save()
    c = client_for(member)
    assert c.get("/api/v1/notifications/settings").json() == {
        "email_delay_minutes": 10,
        "digest": "off",
        "quiet_from": None,
        "quiet_until": None,
        "time_zone": "America/Chicago",
        "paused_until": None,
        "paused_until_resumed": False,
    }
    body = {"email_delay_minutes": 45, "digest": "weekly", "quiet_from": "21:30", "quiet_until": "06:00"}
    answer = send(c, "put", "/api/v1/notifications/settings", body)
    assert answer.status_code == 200
    assert answer.json()["quiet_from"] == "21:30:00" and answer.json()["email_delay_minutes"] == 45
    assert Settings.objects.get(user=member).digest == "weekly"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email_delay_minutes": -5, "digest": "off"}, "email_delay_minutes"),
        ({"email_delay_minutes": 5000, "digest": "off"}, "email_delay_minutes"),
        ({"email_delay_minutes": 5, "digest": "hourly"}, "digest"),
        ({"email_delay_minutes": 5, "digest": "off", "quiet_from": "22:00"}, "quiet_until"),
        (
            {"email_delay_minutes": 5, "digest": "off", "quiet_from": "9am", "quiet_until": "5pm"},
            "quiet_from",
        ),
        ({"digest": "off"}, "email_delay_minutes"),
    ],
)
def test_bad_settings(client_for: Any, member: Any, body: dict[str, Any], field: str) -> None:
    answer = send(client_for(member), "put", "/api/v1/notifications/settings", body)
    assert answer.status_code == 422 and field in answer.json()["errors"], answer.json()
    assert not Settings.objects.exists()


def test_snooze_and_resume(client_for: Any, member: Any) -> None:
    c = client_for(member)
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    answer = send(c, "put", "/api/v1/notifications/snooze", {"until": until.isoformat()})
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.json()["paused_until"]) == until
    forever = send(c, "put", "/api/v1/notifications/snooze", {"until_resumed": True}).json()
    assert forever["paused_until_resumed"] is True
    resumed = c.delete("/api/v1/notifications/snooze").json()
    assert resumed["paused_until"] is None and resumed["paused_until_resumed"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Give either `until` or `until_resumed: true`."),
        (
            {"until": "2999-01-01T00:00:00Z", "until_resumed": True},
            "Give either `until` or `until_resumed: true`.",
        ),
        ({"until": "tomorrow"}, "until: Input should be a valid datetime"),
        ({"until": "2020-01-01T00:00:00Z"}, "The pause must end in the future."),
        ({"until": "2030-01-01T00:00:00"}, "Give the pause's end with its time zone."),
    ],
)
def test_bad_snoozes(client_for: Any, member: Any, body: dict[str, Any], message: str) -> None:
    answer = send(client_for(member), "put", "/api/v1/notifications/snooze", body)
    assert answer.status_code == 422 and answer.json()["message"].startswith(message), answer.json()
    assert not Settings.objects.exists()


def test_the_pause_a_year_away_is_refused(client_for: Any, member: Any) -> None:
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    answer = send(client_for(member), "put", "/api/v1/notifications/snooze", {"until": far})
    assert (
        answer.status_code == 422
        and answer.json()["message"] == "Pause for at most a year, or until you resume."
    )
