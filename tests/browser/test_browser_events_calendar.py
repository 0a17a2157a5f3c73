"""The calendar pages in Chromium: the upcoming list, the month grid (seven columns on a desktop, an agenda
on a phone), the week list, past events and my events, light and dark, axe-core clean on each page."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.events import actions
from townhall.events.actions import EventInput
from townhall.events.models import Event, Occurrence, Rsvp
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("TOWNHALL_SHOTS", "")) if os.environ.get("TOWNHALL_SHOTS") else None


def _event(user: Any, space: Any, title: str, start: datetime, **fields: Any) -> Event:
    values: dict[str, Any] = {"venue": "Observatory hill", "time_zone": "Europe/Berlin"}
    values.update(fields)
    end = values.pop("ends_local", start + timedelta(hours=2))
    return actions.create_event(Guardian(user), space, data=EventInput(title=title, starts_local=start, ends_local=end, **values))  # fmt: skip


@pytest.fixture
def world(db: None, settings: Any) -> dict[str, Any]:
    settings.EVENTS_CREATE_RATE = settings.EVENTS_RSVP_RATE = "10000/m"
    testing.make_community()
    mod = testing.make_member("sol", display_name="Sol Spacemod")
    max_ = testing.make_member("max", display_name="Max Member")
    max_.time_zone = "America/New_York"
    max_.save(update_fields=["time_zone"])
    chapter = testing.make_group("Lisbon chapter", members=[max_])
    space = testing.make_space("Star parties", kind="events", visibility=Space.PUBLIC, members=[max_], moderators=[mod],
                               kind_settings={"member_events": "open"}, icon="🔭")  # fmt: skip
    now = datetime.now().replace(minute=0, second=0, microsecond=0)
    soon = now + timedelta(days=2)
    _event(mod, space, "Comet watch on the hill", soon.replace(hour=21))
    _event(mod, space, "Weekly beginners' call", soon.replace(hour=18), rrule="FREQ=WEEKLY;COUNT=8",
           location_kind=Event.ONLINE, online_url="https://meet.example.org/b", venue="")  # fmt: skip
    _event(mod, space, "Dark-sky weekend camp", (soon + timedelta(days=3)).replace(hour=16),
           ends_local=(soon + timedelta(days=5)).replace(hour=11), group_id=chapter.pk)  # fmt: skip
    _event(mod, space, "Astronomy day", (soon + timedelta(days=9)).replace(hour=0), all_day=True,
           ends_local=(soon + timedelta(days=9)).replace(hour=0))  # fmt: skip
    cancelled = _event(mod, space, "Planetarium visit with a rather long title that wraps", soon.replace(hour=10) + timedelta(days=1))  # fmt: skip
    actions.cancel_event(Guardian(mod), cancelled, reason="Closed")
    _event(mod, space, "Last month's meteor shower", now - timedelta(days=6, hours=3))
    going = Occurrence.objects.filter(event__title="Comet watch on the hill").first()
    actions.set_rsvp(Guardian(max_), going, state=Rsvp.GOING)
    _event(max_, space, "Max's telescope clinic", (soon + timedelta(days=1)).replace(hour=19))
    return {"space": space, "month": soon.strftime("%Y-%m")}


def _shoot(ui: Any, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        ui.page.screenshot(path=str(SHOTS / f"{name}-{ui.label.replace(' ', '-')}.png"), full_page=True)


@pytest.mark.parametrize(
    ("phone", "scheme"), [(False, "light"), (True, "dark"), (False, "dark"), (True, "light")]
)
def test_calendar_pages(new_ui: Any, world: dict[str, Any], phone: bool, scheme: str) -> None:
    ui = new_ui(phone=phone, color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/events/")
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Events")
    expect(main.get_by_role("link", name="Comet watch on the hill")).to_be_visible()
    expect(main.get_by_text("Times are in America/New_York")).to_be_visible()
    expect(main.get_by_text("Europe/Berlin").first).to_be_visible()
    _shoot(ui, "list")

    ui.click(main.get_by_role("navigation", name="Calendar views").get_by_role("link", name="Month"))
    expect(main.get_by_role("heading", level=2).first).to_be_visible()
    chips = main.locator("a.cal-chip")
    expect(chips.filter(has_text="Dark-sky weekend camp").first).to_be_visible()
    columns = ui.page.evaluate("getComputedStyle(document.querySelector('.cal-grid')).display")
    assert columns == ("block" if phone else "grid")
    _shoot(ui, "month")
    ui.click(main.get_by_role("link", name=re.compile(r"^Next")))
    assert "month=" in ui.path
    ui.click(main.get_by_role("link", name=re.compile("This month")))

    ui.click(main.get_by_role("navigation", name="Calendar views").get_by_role("link", name="Week"))
    _shoot(ui, "week")
    ui.click(main.get_by_role("navigation", name="Calendar views").get_by_role("link", name="Past"))
    expect(main.get_by_role("link", name="Last month's meteor shower")).to_be_visible()
    _shoot(ui, "past")

    ui.goto("/events/mine/")
    expect(main.get_by_role("link", name="Comet watch on the hill")).to_be_visible()
    expect(main.get_by_role("link", name="Max's telescope clinic")).to_be_visible()
    expect(main.get_by_role("link", name="Astronomy day")).to_have_count(0)
    _shoot(ui, "mine")

    ui.goto("/events/?where=online")
    expect(main.get_by_role("link", name="Weekly beginners' call").first).to_be_visible()
    expect(main.get_by_role("link", name="Comet watch on the hill")).to_have_count(0)
    ui.goto(f"/s/{world['space'].slug}/")
    expect(main.get_by_role("link", name="Comet watch on the hill")).to_be_visible()
    _shoot(ui, "space")
    ui.goto("/home/")
    expect(main.get_by_role("heading", name="Upcoming events")).to_be_visible()
    _shoot(ui, "home")


def test_the_filters_work_with_htmx(new_ui: Any, world: dict[str, Any]) -> None:
    ui = new_ui()
    log_in(ui, "max")
    ui.goto(f"/events/month/?month={world['month']}")
    main = ui.page.get_by_role("main")
    main.get_by_label("Where").select_option("online")
    expect(main.locator("a.cal-chip").filter(has_text="Comet watch")).to_have_count(0)
    expect(main.locator("a.cal-chip").filter(has_text="beginners").first).to_be_visible()
    ui.page.wait_for_load_state("networkidle")
    assert "where=online" in ui.path and f"month={world['month']}" in ui.path
    ui.audit()
