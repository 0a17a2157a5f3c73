"""A member subscribes to their personal calendar feed: on /settings/calendar/ they copy the feed's
address, fetch it, and the feed parses with `icalendar` with the right times in two time zones (the
event in Berlin, the member in New York). Making a new address turns the old one into a 404. axe-core
audits the page (light and dark, phone and desktop). With TOWNHALL_SHOTS=<dir> the page is also
photographed at 390 and 1280 px, light and dark."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_steps import log_in
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

import factories as testing
from townhall.events import actions
from townhall.events.actions import EventInput
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TOWNHALL_SHOTS", "")


def shoot(ui: Any, name: str) -> None:
    if not SHOTS:
        return
    page = ui.page
    size = page.viewport_size
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/{name}-{width}-{scheme}.png", full_page=True, caret="initial")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def _star_party(host: Any, space: Space) -> Event:
    berlin = ZoneInfo("Europe/Berlin")
    start = (timezone.now().astimezone(berlin) + timedelta(days=6)).replace(
        hour=20, minute=0, second=0, microsecond=0, tzinfo=None
    )
    data = EventInput(title="Star party on the hill", starts_local=start, ends_local=start + timedelta(hours=2),
                      time_zone="Europe/Berlin", description="Bring a red torch.", location_kind=Event.IN_PERSON,
                      venue="Observatory hill", address="Sternwarte 1, Berlin")  # fmt: skip
    return actions.create_event(Guardian(host), space, data=data)


def _fetch(ui: Any, url: str) -> Any:
    return ui.page.context.request.get(url)


def test_a_member_subscribes_to_their_feed_and_it_has_the_right_times(
    new_ui: Any, live_server: Any, settings: Any, db: None
) -> None:
    settings.BASE_URL = live_server.url
    testing.make_community()
    host = testing.make_member("hana", display_name="Hana Host", role="moderator")
    mia = testing.make_member("mia", display_name="Mia Member", time_zone="America/New_York")
    space = testing.make_space("Star parties", kind="events", visibility=Space.MEMBERS, members=[host, mia])
    event = _star_party(host, space)
    date = Occurrence.objects.get(event=event)
    actions.set_rsvp(Guardian(mia), date, state=Rsvp.GOING)

    ui = new_ui()
    ui.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(ui, "mia")
    ui.goto("/settings/calendar/")
    expect(ui.page.get_by_role("heading", name="Your calendar feed")).to_be_visible()
    subscribe = ui.page.get_by_role("link", name="Subscribe in your calendar app")
    assert (subscribe.get_attribute("href") or "").startswith("webcal://")
    ui.page.get_by_role("button", name="Copy").click()
    expect(ui.page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    url = ui.page.evaluate("navigator.clipboard.readText()")
    assert url == ui.page.get_by_label(re.compile("Feed address")).input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/events/feed/[\w-]+\.ics", url)
    shoot(ui, "settings-calendar")

    response = _fetch(ui, url)
    assert response.status == 200 and response.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.body())
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Star party on the hill"
    start = vevent.decoded("DTSTART")
    assert start == date.starts_at  # the same instant
    assert start.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") == "20:00"
    assert start.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "14:00"

    # Shared by mistake: a new address; the old one stops working.
    ui.page.once("dialog", lambda dialog: dialog.accept())
    ui.act(ui.page.get_by_role("button", name="Make a new address"))
    expect(ui.page.get_by_role("status").filter(has_text="new address")).to_be_visible()
    new_url = ui.page.get_by_label(re.compile("Feed address")).input_value()
    assert new_url != url
    assert _fetch(ui, url).status == 404
    assert _fetch(ui, new_url).status == 200

    # Reminders: a week and 15 minutes before, saved (htmx) and kept.
    ui.page.get_by_label("1 week before").check()
    ui.page.get_by_label("1 day before").uncheck()
    ui.act(ui.page.get_by_role("button", name="Save reminders"))
    expect(ui.page.locator("#reminders-section").get_by_role("status")).to_have_text("Saved.")
    ui.goto("/settings/calendar/")
    expect(ui.page.get_by_label("1 week before")).to_be_checked()
    expect(ui.page.get_by_label("1 day before")).not_to_be_checked()


def test_the_calendar_settings_page_in_the_dark_on_a_phone(
    new_ui: Any, live_server: Any, settings: Any, db: None
) -> None:
    settings.BASE_URL = live_server.url
    testing.make_community()
    testing.make_member("mia", display_name="Mia Member")
    ui = new_ui(color_scheme="dark", phone=True)
    log_in(ui, "mia")
    ui.goto("/settings/calendar/")
    expect(ui.page.get_by_role("heading", name="Reminders")).to_be_visible()
