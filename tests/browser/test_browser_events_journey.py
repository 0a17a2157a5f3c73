"""The events journey in a real browser, axe-core on every page: a member creates a weekly meetup in
their chapter's events space (the space asks for approval), a moderator approves it on the queue,
others RSVP until it is full and one lands on the waitlist, and a cancellation promotes them.
With TOWNHALL_SHOTS=<dir>, the pages are also photographed at 390 and 1280 px, light and dark."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from browser_steps import log_in
from django.utils import timezone
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
            page.screenshot(path=f"{SHOTS}/{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def answer_going(new_ui: Any, username: str, path: str) -> Any:
    ui = new_ui()
    log_in(ui, username)
    ui.goto(path)
    page = ui.page
    page.get_by_role("radio", name="Going", exact=True).check()
    ui.act(page.get_by_role("button", name="Send my answer"))  # htmx: the box is swapped in place
    return ui


def test_a_weekly_meetup_from_proposal_to_a_promoted_waitlist(
    new_ui: Any, db: None, settings: Any, tmp_path: Any
) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    hana = testing.make_member("hana", display_name="Hana Host")
    sol = testing.make_member("sol", display_name="Sol Spacemod")
    ada = testing.make_member("ada", display_name="Ada Attendee")
    ben = testing.make_member("ben", display_name="Ben Attendee")
    cy = testing.make_member("cy", display_name="Cy Waiting")
    testing.make_group("Berlin chapter", members=[hana, ada, ben, cy])
    meetups = testing.make_space(
        "Berlin meetups", kind="events", visibility=Space.MEMBERS, members=[hana, ada, ben, cy],
        moderators=[sol], kind_settings={"member_events": "approval"},
    )  # fmt: skip

    # Hana proposes a weekly meetup; her first try ends before it starts.
    ui = new_ui()
    log_in(ui, "hana")
    ui.goto(f"/events/new/?space={meetups.slug}")
    page = ui.page
    expect(page.get_by_text("approves events here")).to_be_visible()
    day = (timezone.now().astimezone(ZoneInfo("UTC")) + timedelta(days=3)).date()
    page.get_by_label("Title", exact=True).fill("Weekly astronomy meetup")
    page.get_by_label("Description", exact=True).fill("Bring a **red** torch and warm socks.")
    page.get_by_label("Date", exact=True).fill(f"{day:%Y-%m-%d}")
    page.get_by_label("Starts at", exact=True).fill("19:00")
    page.get_by_label("Ends at", exact=True).fill("18:00")
    page.get_by_label("Time zone", exact=True).fill("UTC")
    page.get_by_label("Repeat", exact=True).select_option("weekly")
    page.get_by_label("After a number of times", exact=True).check()
    page.get_by_label("Number of times", exact=True).fill("6")
    page.get_by_label("Venue", exact=True).fill("Café Kosmos")
    page.get_by_label("Address", exact=True).fill("Hauptstraße 1, Berlin")
    page.get_by_label("Capacity", exact=True).fill("2")
    page.get_by_label("Question 1", exact=True).fill("Do you bring a telescope?")
    ui.click(page.get_by_role("button", name="Send for approval"))
    expect(page.get_by_text("The event ends before it starts.")).to_be_visible()
    expect(page.get_by_label("Venue", exact=True)).to_have_value("Café Kosmos")  # nothing typed is lost
    shoot(ui, "form-errors")
    page.get_by_label("Ends at", exact=True).fill("21:00")
    ui.click(page.get_by_role("button", name="Send for approval"))
    expect(page.get_by_text("Sent to the moderators for approval")).to_be_visible()
    expect(page.get_by_text("Waiting for approval.")).to_be_visible()
    event = Event.objects.get()
    assert event.state == Event.PENDING and event.rrule.startswith("FREQ=WEEKLY")

    # Sol approves it on the queue.
    mod = new_ui()
    log_in(mod, "sol")
    mod.goto("/events/review/")
    expect(mod.page.get_by_role("link", name="Weekly astronomy meetup")).to_be_visible()
    shoot(mod, "queue")
    mod.click(mod.page.get_by_role("button", name=re.compile("Approve")))
    expect(mod.page.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    event.refresh_from_db()
    assert event.state == Event.PUBLISHED

    # Ada and Ben fill it; Cy lands on the waitlist.
    path = f"/events/{event.pk}/"
    ada_ui = answer_going(new_ui, "ada", path)
    expect(ada_ui.page.get_by_text("You're going.").first).to_be_visible()
    ben_ui = answer_going(new_ui, "ben", path)
    expect(ben_ui.page.get_by_text("Full", exact=True)).to_be_visible()
    cy_ui = answer_going(new_ui, "cy", path)
    expect(cy_ui.page.get_by_text("You're on the waitlist (position 1)")).to_be_visible()
    shoot(cy_ui, "event-series")

    # Ada can no longer come: Cy is promoted.
    ada_ui.goto(path)
    ada_ui.page.get_by_role("radio", name="Not going").check()
    ada_ui.act(ada_ui.page.get_by_role("button", name="Update my answer"))
    expect(ada_ui.page.get_by_text("You're not going.").first).to_be_visible()
    first = Occurrence.objects.filter(event=event).order_by("starts_at").first()
    assert first is not None
    assert Rsvp.objects.get(occurrence=first, user=cy).state == Rsvp.GOING
    cy_ui.goto(path)
    expect(cy_ui.page.get_by_text("You're going.").first).to_be_visible()

    # The other kinds of event page, for the photographs: single, online with its link, cancelled.
    start = (timezone.now() + timedelta(minutes=10)).replace(second=0, microsecond=0, tzinfo=None)
    online = actions.create_event(
        Guardian(sol), meetups,
        data=EventInput(title="Live Q&A with the observatory", starts_local=start, ends_local=start + timedelta(hours=1),
                        time_zone="UTC", location_kind=Event.ONLINE, online_url="https://meet.example/observatory",
                        description="Ask anything about the night sky."),
    )  # fmt: skip
    mod.goto(f"/events/{online.pk}/")
    expect(mod.page.get_by_role("link", name=re.compile("Join online"))).to_be_visible()
    shoot(mod, "event-online")
    single = actions.create_event(
        Guardian(sol), meetups,
        data=EventInput(title="Star party on the hill", starts_local=start + timedelta(days=9),
                        ends_local=start + timedelta(days=9, hours=3), time_zone="Europe/Berlin",
                        venue="Observatory hill", address="Sternwarte 1, Berlin", map_url="https://maps.example/hill",
                        capacity=30, guests_allowed=2, questions=["Do you bring a telescope?"]),
    )  # fmt: skip
    ben_ui.goto(f"/events/{single.pk}/")
    shoot(ben_ui, "event-single")
    actions.cancel_event(Guardian(sol), single, reason="Clouds all week, sadly.")
    ben_ui.goto(f"/events/{single.pk}/")
    expect(ben_ui.page.get_by_role("note").get_by_text("This event is cancelled.")).to_be_visible()
    shoot(ben_ui, "event-cancelled")
