"""Notification email in a real browser: the email's HTML passes axe-core at phone and desktop widths,
and its unsubscribe link works without a session (open the page, press the button, the kind is off)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

import factories as testing
from townhall.notifications import kinds
from townhall.notifications.email import sending
from townhall.notifications.models import EMAIL, PENDING, WEB, Notification, Preference

pytestmark = pytest.mark.browser

KIND = kinds.Kind(
    key="browser_reply",
    label="Replies to your posts",
    icon="↩️",
    text="{actor} replied to {title}",
    channels=frozenset({WEB, EMAIL}),
)


@pytest.fixture
def emailed(settings: Any, live_server: Any, outbox: Any) -> Any:
    """Max was away when Ana replied: the email went out; returns Max."""
    settings.BASE_URL = live_server.url
    settings.TOWNHALL_REPLY_DOMAIN = "reply.nightsky.example"
    kinds.register(KIND)
    testing.make_community()
    ana = testing.make_member("ana", display_name="Ana Astro")
    max_ = testing.make_member("max", display_name="Max Member")
    notification = Notification.objects.create(
        recipient=max_,
        kind=KIND.key,
        source_key="browser:1",
        actor=ana,
        thread_key="topic:1",
        url="/home/",
        data={
            "title": "Which lens for the Milky Way?",
            "excerpt": "Try a 14mm f/2.8 and keep it under 20 s.",
        },
        email_state=PENDING,
        email_due_at=timezone.now(),
    )
    sending.deliver([notification.pk], now=timezone.now() + dt.timedelta(seconds=1))
    yield max_
    kinds.kinds.unregister(KIND.key)


def test_the_email_reads_well_at_both_widths(new_ui: Any, outbox: Any, emailed: Any) -> None:
    html = outbox[0].get_body(preferencelist=("html",)).get_content()
    for phone in (True, False):
        ui = new_ui(phone=phone, label="email")
        ui.page.set_content(html)
        expect(
            ui.page.get_by_role("heading", name="Ana Astro replied to Which lens for the Milky Way?")
        ).to_be_visible()
        expect(ui.page.get_by_role("link", name="Open and reply")).to_be_visible()
        ui.audit()


def test_one_click_unsubscribe_works_without_a_session(new_ui: Any, outbox: Any, emailed: Any) -> None:
    footer = re.search(r"Stop emails about [^:]+: (\S+)", outbox.body(outbox[0]))
    assert footer
    ui = new_ui(label="signed out")
    ui.goto(urlsplit(footer.group(1)).path)  # a fresh browser: no session, no cookies
    expect(ui.page.get_by_role("heading", name="Stop these emails?")).to_be_visible()
    assert not Preference.objects.filter(user=emailed).exists()
    ui.click(ui.page.get_by_role("button", name="Stop these emails"))
    expect(ui.page.get_by_role("heading", name="Emails turned off")).to_be_visible()
    assert Preference.objects.get(user=emailed, kind=KIND.key, channel=EMAIL).enabled is False
