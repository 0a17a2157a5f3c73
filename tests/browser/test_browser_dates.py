"""The page of one date of a series in a real browser: a host moves a date, sees a refused time on its
field with what was typed kept, and cancels a date; axe-clean at phone and desktop width, light and dark.
With DATES_SHOTS=<dir> it saves screenshots there."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_steps import log_in
from django.utils import timezone

import factories as testing
from townhall.events import actions
from townhall.events.models import Occurrence
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.fixture
def series(db: None) -> Any:
    testing.make_community()
    host = testing.make_member("hana", display_name="Hana Host")
    space = testing.make_space("Meetups", kind="events", visibility=Space.PUBLIC, members=[host],
                               kind_settings={"member_events": "open"})  # fmt: skip
    start = (timezone.now() + timedelta(days=7)).astimezone(ZoneInfo("Europe/Berlin")).replace(hour=19, minute=0, second=0, microsecond=0, tzinfo=None)  # fmt: skip
    data = actions.EventInput(
        title="Star party on the hill", starts_local=start, ends_local=start + timedelta(hours=2),
        time_zone="Europe/Berlin", venue="Observatory hill", address="Sternwarte 1, Berlin",
        rrule="FREQ=WEEKLY;COUNT=8", capacity=30,
    )  # fmt: skip
    event = actions.create_event(Guardian(host), space, data=data)
    return list(Occurrence.objects.filter(event=event).order_by("recurrence_id"))[2]


def _shot(ui: Any, name: str) -> None:
    where = os.environ.get("DATES_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        ui.page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("scheme", "phone"), [("light", False), ("dark", False), ("light", True), ("dark", True)]
)
def test_a_host_changes_one_date(new_ui: Any, series: Occurrence, scheme: str, phone: bool) -> None:
    ui = new_ui(color_scheme=scheme, phone=phone)
    log_in(ui, "hana")
    size = "390" if phone else "1280"
    ui.goto(f"/events/date/{series.pk}/edit/")
    ui.audit()
    _shot(ui, f"date-{size}-{scheme}")
    ui.page.get_by_label("Ends", exact=True).fill("10:00")
    ui.click(ui.page.get_by_role("button", name="Save"))
    assert "ends before it starts" in ui.page.content()
    assert ui.page.get_by_label("Ends", exact=True).input_value() == "10:00"
    ui.audit()
    _shot(ui, f"date-errors-{size}-{scheme}")
    ui.page.get_by_label("Reason (attendees see it)").fill("The hall is closed")
    ui.click(ui.page.get_by_role("button", name="Cancel this date"))
    series.refresh_from_db()
    assert series.cancelled
