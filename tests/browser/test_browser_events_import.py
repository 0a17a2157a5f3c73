"""A host imports a Google Calendar export into an events space, in a real browser, axe-core on every page:
upload, preview (what would be created and what is left out, with reasons), import, the report. With
TOWNHALL_SHOTS=<dir>, every page is also photographed at 390 and 1280 px, light and dark."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.events.models import Event, Occurrence
from townhall.spaces.models import Space

sys.path.insert(0, str(Path(__file__).parent.parent / "events"))
from ics_testing import weekly_file

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
            page.screenshot(path=f"{SHOTS}/events-import-{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def test_a_host_imports_a_google_calendar_export(
    new_ui: Any, db: None, settings: Any, tmp_path: Path
) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    host = testing.make_member("hana", display_name="Hana Host")
    space = testing.make_space(
        "Star parties", kind="events", visibility=Space.PUBLIC, members=[host],
        kind_settings={"member_events": "open"},
    )  # fmt: skip
    export = tmp_path / "riverside-astronomy.ics"
    todo = "BEGIN:VTODO\r\nUID:todo@google.com\r\nSUMMARY:Buy lens caps\r\nEND:VTODO\r\n"
    export.write_bytes(weekly_file(extra=todo))

    ui = new_ui()
    log_in(ui, "hana")
    ui.goto(f"/events/import/{space.slug}/")
    page = ui.page
    expect(page.get_by_role("heading", name="Import a calendar into Star parties")).to_be_visible()
    shoot(ui, "upload")
    page.get_by_label("Calendar file (.ics)").set_input_files(str(export))
    ui.click(page.get_by_role("button", name="Upload and preview"))
    expect(page.get_by_role("heading", name="Preview of riverside-astronomy.ics")).to_be_visible()
    expect(page.get_by_text("Messier marathon weekend")).to_be_visible()
    expect(page.get_by_text("Line 31, todo@google.com: it is a to-do, not an event.")).to_be_visible()
    expect(page.get_by_text("Weekly observing night — Tue")).to_contain_text("19:30 (Europe/Berlin)")
    shoot(ui, "preview")
    assert not Event.objects.exists()
    ui.click(page.get_by_role("button", name="Import 2 events"))
    expect(page.get_by_role("heading", name="What was imported")).to_be_visible()
    expect(page.get_by_text("Imported 2 new events, updated 0; 1 left out.")).to_be_visible()
    shoot(ui, "done")
    series = Event.objects.get(uid="series-1@google.com")
    assert series.time_zone == "Europe/Berlin" and Occurrence.objects.filter(event=series).count() == 6

    # The same export again (on a phone, dark): nothing new, nothing duplicated.
    phone = new_ui(color_scheme="dark", phone=True, label="again")
    log_in(phone, "hana")
    phone.goto(f"/events/import/{space.slug}/")
    phone.page.get_by_label("Calendar file (.ics)").set_input_files(str(export))
    phone.click(phone.page.get_by_role("button", name="Upload and preview"))
    expect(phone.page.get_by_text("There is nothing to import from this file.")).to_be_visible()
    expect(phone.page.get_by_text("already imported, and the file", exact=False).first).to_be_visible()
    assert Event.objects.count() == 2
