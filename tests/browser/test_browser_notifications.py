"""The notification centre on a real ASGI server with real WebSockets: a notification stored for the
member while their page is open shows up live in the sidebar's badge and in the open centre; opening it
lands on the post and marks it read; "Mark all read" clears the badge. The settings page is audited in
both themes and at phone width, and saves without JavaScript."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from playwright.sync_api import expect

import factories as testing
from townhall.accounts.models import User
from townhall.notifications import broadcasts
from townhall.notifications.models import Notification, Preference
from townhall.spaces.models import Space

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notifications"))
from notify_testing import MENTION, REPLY, declared_kinds, notify
from test_browser_realtime import LIVE, elsewhere

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2)]


def signed_in_at(ui: Any, username: str, path: str) -> Any:
    """Open `path` signed in (a session made here, as a login would) and wait for the page's stream to be
    live, so nothing sent afterwards is missed by a socket still connecting."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    ui.page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": ui.base_url}]
    )
    ui.page.add_init_script(LIVE)
    ui.goto(path)
    ui.page.wait_for_function("window.__streamLive === true", timeout=15_000)
    return ui.page


def told(recipient: User, **fields: Any) -> Notification:
    """Store a notification and announce it after the commit, as the fan-out does (from another thread)."""

    def store() -> Notification:
        with transaction.atomic():
            row = notify(recipient, **fields)
            broadcasts.notification_created(user_id=recipient.pk, notification_id=row.pk)
        return row

    return elsewhere(store)


def test_a_notification_arrives_live_opens_its_post_and_mark_all_read_clears_the_badge(
    new_live_ui: Any, asgi_server: Any, db: None
) -> None:
    testing.make_community()
    ana = testing.make_member("ana", display_name="Ana Aperture")
    ben = testing.make_member("ben", display_name="Ben Barlow")
    space = testing.make_space("Night owls", visibility=Space.MEMBERS, members=[ana, ben])

    with declared_kinds(REPLY, MENTION):
        ui = new_live_ui(label="ana")
        page = signed_in_at(ui, "ana", "/notifications/")
        badge = page.get_by_role("complementary", name="Spaces").locator(
            'a[href="/notifications/"] .unread-count'
        )
        expect(page.get_by_text("No notifications yet.")).to_be_visible()
        expect(badge).to_be_hidden()

        # Ben mentions Ana: the badge and the open centre show it without a reload.
        row = told(
            ana, kind=MENTION.key, actor=ben, space=space, title="Orion tonight", url=f"/s/{space.slug}/"
        )
        expect(badge).to_have_text(re.compile(r"^1\b"))
        item = page.get_by_role("link", name=re.compile("Ben Barlow mentioned you in Orion tonight"))
        expect(item).to_be_visible()
        ui.audit()

        # Opening it lands on the space and marks it read; the badge is empty there.
        ui.click(item, url=re.compile(rf"/s/{space.slug}/$"))
        assert Notification.objects.get(pk=row.pk).read_at is not None
        badge = page.get_by_role("complementary", name="Spaces").locator(
            'a[href="/notifications/"] .unread-count'
        )
        expect(badge).to_be_hidden()

        # Back in the centre, two more arrive; "Mark all read" (htmx) clears them and the badge.
        ui.goto("/notifications/")
        page.wait_for_function("window.__streamLive === true", timeout=15_000)
        told(ana, actor=ben, space=space, title="Dew on the lens")
        told(ana, actor=ben, title="Your flat frames")
        badge = page.get_by_role("complementary", name="Spaces").locator(
            'a[href="/notifications/"] .unread-count'
        )
        expect(badge).to_have_text(re.compile(r"^2\b"))
        expect(page.get_by_text("2 unread", exact=True)).to_be_visible()
        ui.act(page.get_by_role("button", name="Mark all read"))
        expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
        expect(badge).to_be_hidden()
        assert not Notification.objects.filter(recipient=ana, read_at__isnull=True).exists()
        ui.audit()


def test_the_settings_page_in_both_themes_and_on_a_phone(new_ui: Any, live_server: Any, db: None) -> None:
    testing.make_community()
    testing.make_member("ana", display_name="Ana Aperture", time_zone="Europe/Lisbon")
    with declared_kinds(REPLY, MENTION):
        for ui in (new_ui(), new_ui(color_scheme="dark", phone=True)):
            client = Client()
            client.force_login(User.objects.get(username="ana"))
            ui.page.context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": ui.base_url}]
            )
            page = ui.page
            ui.goto("/settings/notifications/")
            expect(page.get_by_text("Europe/Lisbon")).to_be_visible()
            ui.goto("/notifications/")
        # Turn off email for replies and save (htmx), then pause for a day.
        page = ui.page
        ui.goto("/settings/notifications/")
        page.get_by_label("Email for Replies to you", exact=True).uncheck()
        ui.act(page.get_by_role("button", name="Save choices"))
        expect(page.get_by_text("Saved.")).to_be_visible()
        assert Preference.objects.filter(kind=REPLY.key, channel="email", enabled=False).exists()
        ui.act(page.get_by_role("button", name="Pause for 1 day"))
        expect(page.get_by_text("Email and push are paused until")).to_be_visible()
        page.get_by_label("From", exact=True).fill("22:00")
        ui.act(page.get_by_role("button", name="Save email settings"))
        expect(
            page.get_by_text("Give both the start and the end of your quiet hours, or neither.")
        ).to_be_visible()
