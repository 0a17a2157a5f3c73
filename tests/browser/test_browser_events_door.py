"""Check-in at the door in a real browser, axe-core on every page: a host on a 390 px phone finds people
by name, taps "Check in" (the row and the counts update in place), and opens a scanned ticket's URL; the
attendee list, a member's own ticket and the live session page. With TOWNHALL_SHOTS=<dir>, every page is
also photographed at 390 and 1280 px, light and dark."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.events.models import Event, Rsvp
from townhall.spaces.models import Space

sys.path.insert(0, str(Path(__file__).parent.parent / "events"))
from door_testing import going, people, shift, tonight

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
            page.set_viewport_size({"width": width, "height": 844})
            page.screenshot(path=f"{SHOTS}/{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def test_a_host_checks_people_in_on_a_phone(new_ui: Any, db: None, settings: Any, tmp_path: Path) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    host = testing.make_member("hana", display_name="Hana Host")
    mod = testing.make_member("sol", display_name="Sol Spacemod")
    member = testing.make_member("max", display_name="Max Member")
    calendar = testing.make_space(
        "Meetups",
        kind="events",
        members=[host, member],
        moderators=[mod],
        kind_settings={"member_events": "open"},
    )
    occurrence = tonight(mod, calendar, host=host, title="Star party on the hill", capacity=4, guests_allowed=2,
                         questions=[{"id": "q1", "text": "Bringing a telescope?", "required": False}])  # fmt: skip
    going(occurrence, member, guests=1, answers={"q1": "Yes, a Dobsonian"})
    ada, cyril, dee, zoe = people(calendar, ["ada", "cyril", "dee", "zoe"])
    for person in (ada, cyril):
        going(occurrence, person)
    going(occurrence, dee)  # the event is full now: Dee and Zoë wait
    going(occurrence, zoe)
    assert Rsvp.objects.filter(state=Rsvp.WAITLISTED).count() == 2

    ui = new_ui(phone=True, label="host on a phone")
    log_in(ui, "hana")
    page = ui.page
    ui.goto(f"/events/date/{occurrence.pk}/door/")
    counts = page.locator("#door-counts")
    expect(counts).to_contain_text("0 of 4 checked in")
    expect(page.get_by_role("button", name="Check in Ada")).to_be_visible()
    expect(page.locator("#door-list").get_by_text("Dee", exact=True)).to_have_count(
        0
    )  # waitlisted people are not at the door
    shoot(ui, "door")

    page.get_by_label("Find a person").fill("cyr")
    expect(page.get_by_role("button", name="Check in Ada")).to_have_count(0)
    ui.audit()
    ui.act(page.get_by_role("button", name="Check in Cyril"))
    expect(page.locator("#door-list")).to_contain_text("Checked in")
    expect(counts).to_contain_text("1 of 4 checked in")
    assert page.viewport_size is not None and page.viewport_size["width"] == 390
    shoot(ui, "door-checked")

    ui.goto(f"/events/date/{occurrence.pk}/door/")
    ui.act(page.get_by_role("button", name="Check in Max Member"))
    expect(counts).to_contain_text("3 of 4 checked in")  # Max and his guest
    ui.act(page.get_by_role("button", name="Undo check-in of Max Member"))
    expect(counts).to_contain_text("1 of 4 checked in")

    ticket = Rsvp.objects.get(user=ada).ticket
    ui.goto(f"/events/date/{occurrence.pk}/door/ticket/{ticket}/")
    expect(page.get_by_role("strong").filter(has_text="Ada")).to_be_visible()
    shoot(ui, "door-ticket")
    ui.click(page.get_by_role("button", name="Check in Ada"))
    expect(page.get_by_text(re.compile("Checked in at"))).to_be_visible()

    waiting = Rsvp.objects.get(user=dee).ticket
    ui.goto(f"/events/date/{occurrence.pk}/door/ticket/{waiting}/")
    expect(page.get_by_text(re.compile("cannot be checked in"))).to_be_visible()

    ui.goto(f"/events/date/{occurrence.pk}/door/scan/")
    page.get_by_label("Or type the ticket code").fill(Rsvp.objects.get(user=cyril).ticket[:8])
    ui.click(page.get_by_role("button", name="Open"))
    expect(page.get_by_text(re.compile("Checked in at"))).to_be_visible()  # Cyril, checked in above
    shoot(ui, "door-scan-result")

    ui.goto(f"/events/date/{occurrence.pk}/attendees/")
    expect(page.get_by_role("heading", name="Waitlist")).to_be_visible()
    expect(page.get_by_text("Yes, a Dobsonian")).to_be_visible()
    shoot(ui, "attendees")

    guest = new_ui(color_scheme="dark", phone=True, label="member's ticket")
    log_in(guest, "max")
    guest.goto(f"/events/ticket/{Rsvp.objects.get(user=member).ticket}/")
    expect(guest.page.get_by_role("img", name=re.compile("QR code of Max Member"))).to_be_visible()
    shoot(guest, "ticket")


def test_the_live_session_page(new_ui: Any, db: None, settings: Any, tmp_path: Path) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    host = testing.make_member("hana", display_name="Hana Host")
    member = testing.make_member("max", display_name="Max Member")
    lounge = testing.make_space("Live lounge", kind="chat", members=[host, member])
    testing.make_space("Recaps", kind="discussion", visibility=Space.PUBLIC)
    calendar = testing.make_space(
        "Meetups", kind="events", moderators=[host], members=[member],
        kind_settings={"member_events": "open", "live_chat_space": lounge.slug},
    )  # fmt: skip
    occurrence = tonight(host, calendar, title="Ask me anything", location_kind=Event.ONLINE,
                         online_url="https://meet.example.org/ama", venue="", address="")  # fmt: skip
    occurrence = shift(occurrence, -1)  # it is on now

    ui = new_ui(label="host at a desk")
    log_in(ui, "hana")
    page = ui.page
    ui.goto(f"/events/date/{occurrence.pk}/live/")
    ui.click(page.get_by_role("button", name="Open the live chat"))
    page.get_by_label("Reply in the thread").fill("Welcome! Ask away.")
    ui.act(page.get_by_role("button", name="Reply", exact=True))
    expect(page.locator("#thread-replies")).to_contain_text("Welcome! Ask away.")
    shoot(ui, "live")
    shift(occurrence, -3)  # and now it is over
    ui.goto(f"/events/date/{occurrence.pk}/live/")
    expect(page.get_by_role("button", name="Make the recap topic")).to_be_visible()
    shoot(ui, "live-after")
    ui.click(page.get_by_role("button", name="Make the recap topic"))
    expect(page.get_by_text("Welcome! Ask away.")).to_be_visible()
