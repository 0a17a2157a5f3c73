"""A member hides their online status (settings page, API): others then read them as offline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from townhall.accounts import actions
from townhall.accounts.models import User
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.realtime import presence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_presence() -> None:
    cache.clear()


def test_the_settings_page_offers_the_choice_and_keeps_it(
    client_for: Any, member: User, moderator: User
) -> None:
    client = client_for(member)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Hide my online status" in page and f'action="{reverse("accounts:presence")}"' in page
    presence.touch(member.pk, "tab-1")
    assert presence.of([member.pk], viewer_id=moderator.pk) == {member.pk: "online"}

    response = client.post(reverse("accounts:presence"), {"hide_presence": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:settings")
    assert "Others now see you as offline." in response.content.decode()
    assert 'name="hide_presence" aria-describedby="hide-presence-help" checked' in response.content.decode()
    member.refresh_from_db()
    assert member.hide_presence
    assert presence.of([member.pk], viewer_id=moderator.pk) == {member.pk: "offline"}
    assert presence.of([member.pk], viewer_id=member.pk) == {member.pk: "online"}  # not from oneself

    client.post(reverse("accounts:presence"), {})  # the box unticked
    member.refresh_from_db()
    assert not member.hide_presence
    assert presence.of([member.pk], viewer_id=moderator.pk) == {member.pk: "online"}


def test_the_choice_needs_sign_in_and_a_post(client: Client, client_for: Any, member: User) -> None:
    response = client.post(reverse("accounts:presence"), {"hide_presence": "on"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client_for(member).get(reverse("accounts:presence")).status_code == 405


def test_nobody_changes_someone_elses_choice(member: User, moderator: User) -> None:
    with pytest.raises((PermissionDenied, NotFound)):
        actions.set_presence_hidden(Guardian(moderator), member, hidden=True)
    member.refresh_from_db()
    assert not member.hide_presence


def test_the_choice_is_rate_limited(client_for: Any, member: User, settings: Any) -> None:
    settings.PRESENCE_RATE = "3/m"
    client = client_for(member)
    statuses = [
        client.post(reverse("accounts:presence"), {"hide_presence": "on"}).status_code for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_the_api_reads_and_changes_it(client_for: Any, member: User) -> None:
    client = client_for(member)
    assert client.get("/api/v1/me").json()["hide_presence"] is False
    answer = client.patch("/api/v1/me", json.dumps({"hide_presence": True}), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["hide_presence"] is True
    assert answer.json()["display_name"] == member.display_name  # nothing else changed
    bad = client.patch(
        "/api/v1/me", json.dumps({"hide_presence": "perhaps"}), content_type="application/json"
    )
    assert bad.status_code in (400, 422) and bad.json()["message"]
    member.refresh_from_db()
    assert member.hide_presence
