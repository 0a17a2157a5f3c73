"""Devices for push: the settings page, its API twins, the checks on what a browser sends, the policy,
and the installation's VAPID identity."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from push_endpoint import Device, b64url
from townhall.core.errors import Invalid, NotFound
from townhall.notifications.models import PushSubscription
from townhall.notifications.push import actions, vapid
from townhall.policy import Guardian

API = "/api/v1/notifications/push-subscriptions"
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0"
CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
PERSONAS = ["owner", "admin", "moderator", "member", "newcomer", "pending", "suspended", "banned", "outsider"]


def browser(n: int = 1, *, host: str = "https://fcm.googleapis.com/fcm/send") -> dict[str, Any]:
    """What PushSubscription.toJSON() gives for a browser whose keys we made."""
    device = Device(name=f"d{n}")
    return {"endpoint": f"{host}/abc{n}", "keys": {"p256dh": device.p256dh, "auth": device.auth_b64}}


def add(user: Any, n: int = 1, **overrides: Any) -> PushSubscription:
    info = browser(n)
    return actions.add_device(
        Guardian(user),
        endpoint=overrides.get("endpoint", info["endpoint"]),
        p256dh=overrides.get("p256dh", info["keys"]["p256dh"]),
        auth=overrides.get("auth", info["keys"]["auth"]),
        user_agent=overrides.get("user_agent", FIREFOX_ANDROID),
    )


# --- the API ------------------------------------------------------------------------------------------
def test_add_list_and_remove_a_device_through_the_api(member: Any, client_for: Any, vapid_keys: str) -> None:
    client = client_for(member)
    sent = browser(1)

    created = client.post(
        API, json.dumps(sent), content_type="application/json", headers={"user-agent": CHROME_MAC}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["label"] == "Chrome on Mac OS X" and body["endpoint"] == sent["endpoint"]
    assert body["last_success_at"] is None

    listed = client.get(API).json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert client.get("/api/v1/notifications/push-key").json() == {"public_key": vapid_keys}

    assert client.delete(f"{API}/{body['id']}").status_code == 204
    assert client.get(API).json() == []


def test_subscribing_the_same_browser_again_refreshes_its_keys(member: Any, client_for: Any) -> None:
    client = client_for(member)
    first = client.post(API, json.dumps(browser(1)), content_type="application/json").json()
    again = browser(2)
    again["endpoint"] = first["endpoint"]
    second = client.post(API, json.dumps(again), content_type="application/json")
    assert second.status_code == 201 and second.json()["id"] == first["id"]
    stored = PushSubscription.objects.get()
    assert stored.p256dh == again["keys"]["p256dh"] and stored.auth == again["keys"]["auth"]


def test_a_browser_someone_else_registered_moves_to_the_new_member(
    member: Any, newcomer: Any, client_for: Any, caplog: Any
) -> None:
    theirs = add(member, 1)
    with caplog.at_level(logging.INFO, logger="townhall.notifications.push"):
        moved = client_for(newcomer).post(API, json.dumps(browser(1)), content_type="application/json")
    assert moved.status_code == 201
    theirs.refresh_from_db()
    assert theirs.user_id == newcomer.pk and moved.json()["id"] == theirs.pk
    assert f"device {theirs.pk} moved from member {member.pk} to member {newcomer.pk}" in caplog.text
    assert client_for(member).get(API).json() == []


def test_at_most_ten_devices(member: Any, client_for: Any) -> None:
    for n in range(actions.MAX_DEVICES):
        add(member, n)
    answer = client_for(member).post(API, json.dumps(browser(99)), content_type="application/json")
    assert answer.status_code == 422
    assert answer.json()["message"] == "You already receive push on 10 devices; remove one to add this one."
    assert PushSubscription.objects.filter(user=member).count() == actions.MAX_DEVICES
    # The same browser again is not an eleventh device.
    assert add(member, 3).user_id == member.pk


def _keys(**keys: str) -> dict[str, Any]:
    sent = browser(1)
    sent["keys"].update(keys)
    return sent


NOT_ON_CURVE = b64url(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({**browser(1), "endpoint": "http://push.example.com/abc"}, "endpoint", "must be an https URL"),
        ({**browser(1), "endpoint": "ftp://push.example.com/abc"}, "endpoint", "must be an https URL"),
        ({**browser(1), "endpoint": "https:///nohost"}, "endpoint", "not a valid URL"),
        ({**browser(1), "endpoint": "https://user:pw@push.example.com/"}, "endpoint", "not a valid URL"),
        ({**browser(1), "endpoint": "https://push.example.com:99999/"}, "endpoint", "not a valid URL"),
        ({**browser(1), "endpoint": "   "}, "endpoint", "missing"),
        (_keys(p256dh=b64url(b"\x04" * 33)), "p256dh", "must be 65 bytes"),
        (_keys(p256dh=NOT_ON_CURVE), "p256dh", "not a P-256 public key"),
        (_keys(p256dh="not base64 at all!"), "p256dh", "must be 65 bytes"),
        (_keys(auth=b64url(os.urandom(12))), "auth", "must be 16 bytes"),
        (_keys(auth=""), "auth", "missing"),
    ],
)
def test_bad_subscriptions_are_refused_with_a_clear_message(
    member: Any, client_for: Any, sent: dict[str, Any], field: str, message: str
) -> None:
    answer = client_for(member).post(API, json.dumps(sent), content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert message in answer.json()["message"]
    assert field in answer.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_oversized_input_is_refused_by_the_schema(member: Any, client_for: Any) -> None:
    sent = browser(1)
    sent["endpoint"] = "https://push.example.com/" + "a" * 600
    answer = client_for(member).post(API, json.dumps(sent), content_type="application/json")
    assert answer.status_code == 422 and "endpoint" in answer.json()["errors"]
    assert client_for(member).post(API, "{not json", content_type="application/json").status_code in (
        400,
        422,
    )


def test_a_local_endpoint_only_in_debug_or_under_tests(member: Any, settings: Any) -> None:
    local = "http://127.0.0.1:8643/push/phone"
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True  # settings.DEBUG or TESTING
    assert add(member, 1, endpoint=local).endpoint == local
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False  # production
    with pytest.raises(Invalid, match="must be an https URL"):
        add(member, 2, endpoint="http://localhost:8643/push/other")
    with pytest.raises(Invalid, match="must be an https URL"):
        add(member, 3, endpoint="http://10.0.0.5:8643/push/lan")


def test_base64_with_padding_is_stored_without(member: Any) -> None:
    device = Device(name="padded")
    padded_auth = base64.urlsafe_b64encode(device.auth).decode()
    assert padded_auth.endswith("==")
    stored = add(member, 1, auth=padded_auth, p256dh=device.p256dh)
    assert stored.auth == device.auth_b64


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_ANDROID, "Firefox Mobile on Android"),
        (CHROME_MAC, "Chrome on Mac OS X"),
        ("", "A browser"),
        ("curl/8.5", "curl"),
        ("x" * 5000, "A browser"),
    ],
)
def test_the_device_is_named_from_its_user_agent(user_agent: str, label: str) -> None:
    assert actions.label_for(user_agent) == label


def test_the_api_needs_a_signed_in_caller(community: Any, client: Any) -> None:
    assert client.get(API).status_code == 401
    assert client.post(API, json.dumps(browser(1)), content_type="application/json").status_code == 401


def test_someone_elses_device_is_not_found(member: Any, newcomer: Any, client_for: Any) -> None:
    theirs = add(member)
    other = client_for(newcomer)
    assert other.delete(f"{API}/{theirs.pk}").status_code == 404
    assert other.delete(f"{API}/{theirs.pk + 1000}").status_code == 404
    assert other.post(reverse("notifications:push-device-remove", args=[theirs.pk])).status_code == 404
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()


# --- the page -----------------------------------------------------------------------------------------
def test_the_page_lists_this_members_devices(
    member: Any, newcomer: Any, client_for: Any, vapid_keys: str
) -> None:
    add(member, 1, user_agent=FIREFOX_ANDROID)
    add(newcomer, 2, user_agent=CHROME_MAC)
    page = client_for(member).get(reverse("notifications:push-devices"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Firefox Mobile on Android" in html and "Chrome on Mac OS X" not in html
    assert "no push delivered yet" in html
    assert f'data-key="{vapid_keys}"' in html
    assert "push-devices.js" in html and "<script>" not in html


def test_the_page_adds_this_browser_from_its_form(member: Any, client_for: Any) -> None:
    sent = browser(1)
    answer = client_for(member).post(
        reverse("notifications:push-devices"),
        {"endpoint": sent["endpoint"], **sent["keys"]},
        headers={"user-agent": FIREFOX_ANDROID},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == reverse("notifications:push-devices")
    assert "Push is on for Firefox Mobile on Android." in answer.content.decode()
    assert PushSubscription.objects.get().user_id == member.pk


def test_the_page_shows_why_a_subscription_was_refused(member: Any, client_for: Any) -> None:
    answer = client_for(member).post(
        reverse("notifications:push-devices"), {"endpoint": "http://x.example/", "p256dh": "", "auth": ""}
    )
    assert answer.status_code == 422
    assert "The endpoint must be an https URL of a push service." in answer.content.decode()
    assert not PushSubscription.objects.exists()


def test_the_page_removes_a_device(member: Any, client_for: Any) -> None:
    device = add(member)
    answer = client_for(member).post(
        reverse("notifications:push-device-remove", args=[device.pk]), follow=True
    )
    assert "Firefox Mobile on Android gets no more pushes." in answer.content.decode()
    assert not PushSubscription.objects.exists()


def test_the_page_needs_a_signed_in_member(community: Any, client: Any) -> None:
    answer = client.get(reverse("notifications:push-devices"))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


# --- the policy ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_only_the_owner_sees_and_removes_a_device(request: Any, member: Any, persona: str) -> None:
    device = add(member)
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    guardian = Guardian(user)
    visible = guardian.push.visible_subscriptions(PushSubscription.objects.all())
    if persona == "member":
        assert guardian.push.manage_subscription.can(device)
        assert list(visible) == [device]
        return
    assert guardian.push.manage_subscription.can(device) is False
    with pytest.raises(NotFound):
        guardian.push.manage_subscription.ensure(device)
    with pytest.raises(NotFound):
        actions.remove_device(guardian, device)
    assert not visible.exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [*((p, p != "banned") for p in PERSONAS), ("anonymous", False)],
)
def test_who_may_add_a_device(request: Any, community: Any, persona: str, allowed: bool) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    assert Guardian(user).push.subscribe.can() is allowed


def test_a_list_of_ones_own_devices_only(member: Any, newcomer: Any) -> None:
    mine = [add(member, 1), add(member, 2)]
    add(newcomer, 3)
    found = Guardian(member).push.visible_subscriptions(PushSubscription.objects.all())
    assert sorted(d.pk for d in found) == sorted(d.pk for d in mine)


# --- the VAPID identity ---------------------------------------------------------------------------------
def test_the_key_pair_is_made_once_and_kept_private(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = ""
    public = vapid.public_key()
    key_file = tmp_path / vapid.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.urlsafe_b64decode(public + "=")) == 65
    vapid._keys.cache_clear()  # a restarted process reads the same key
    assert vapid.public_key() == public
    vapid._create_once(key_file)  # a second process racing to create it keeps the first key
    vapid._keys.cache_clear()
    assert vapid.public_key() == public
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".vapid")] == []


def test_a_configured_key_wins(settings: Any, tmp_path: Any) -> None:
    made = vapid.Vapid()
    made.generate_keys()
    settings.DATA_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = made.private_pem().decode()
    assert vapid.public_key() == b64url(
        made.public_key.public_bytes(
            vapid.serialization.Encoding.X962, vapid.serialization.PublicFormat.UncompressedPoint
        )
    )
    assert not (tmp_path / vapid.KEY_FILE).exists()


def test_the_subject(settings: Any) -> None:
    settings.VAPID_SUBJECT = ""
    settings.DEFAULT_FROM_EMAIL = "Night Sky <hello@nightsky.example>"
    assert vapid.subject() == "mailto:hello@nightsky.example"
    settings.VAPID_SUBJECT = "mailto:admins@nightsky.example"
    assert vapid.subject() == "mailto:admins@nightsky.example"


def test_a_member_sees_only_their_own_in_a_fixed_number_of_queries(
    member: Any, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(8):
        add(member, n)
    testing.make_member("other")
    client = client_for(member)
    client.get(API)
    with django_assert_max_num_queries(8):
        assert len(client.get(API).json()) == 8
