"""Chat on a real ASGI server with real WebSockets, several members in separate browsers: a message one
sends appears live on the others' pages, and after the server restarts the pages reconnect and show what
was sent while it was down, each message once."""

from __future__ import annotations

from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.chat import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


def open_channel(ui: Any, username: str) -> Any:
    log_in(ui, username)
    ui.goto("/s/night-owls/")
    return ui.page


def test_messages_arrive_live_and_nothing_is_lost_across_a_server_restart(
    new_live_ui: Any, asgi_server: Any, db: None
) -> None:
    testing.make_community()
    ana = testing.make_member("ana", display_name="Ana Aperture")
    ben = testing.make_member("ben", display_name="Ben Barlow")
    cy = testing.make_member("cy", display_name="Cy Cassegrain")
    space = testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[ana, ben, cy])
    actions.send_message(Guardian(cy), space, body="Clouds clearing from the west")

    ana_ui = new_live_ui(label="ana")
    ben_ui = new_live_ui(phone=True, color_scheme="dark", label="ben")
    pages = [open_channel(ana_ui, "ana"), open_channel(ben_ui, "ben")]
    ana_page, ben_page = pages
    ana_log = ana_page.get_by_role("log", name="Messages in Night owls")
    ben_log = ben_page.get_by_role("log", name="Messages in Night owls")

    # Live: Ana sends from her page, Ben sees it without reloading.
    ana_page.get_by_label("Message Night owls").fill("Orion is up over the ridge")
    ana_ui.act(ana_page.get_by_role("button", name="Send"))
    expect(ben_log).to_contain_text("Orion is up over the ridge")
    ben_ui.audit()

    # The server restarts; while it is down, Cy sends two messages (stored, with nobody connected).
    asgi_server.stop()
    for page in pages:
        expect(page.locator("[data-stream-status]")).to_have_text("Live updates paused — reconnecting…")
    actions.send_message(Guardian(cy), space, body="Seeing is steady now")
    actions.send_message(Guardian(cy), space, body="Jupiter's moons in a line")
    asgi_server.start()

    for page, log in ((ana_page, ana_log), (ben_page, ben_log)):
        expect(page.locator("[data-stream-status]")).to_be_empty(timeout=20_000)
        expect(log).to_contain_text("Seeing is steady now")
        expect(log).to_contain_text("Jupiter's moons in a line")
        for text in ("Orion is up over the ridge", "Seeing is steady now", "Jupiter's moons in a line"):
            expect(log.locator("li.chat-message", has_text=text)).to_have_count(1)
    ana_ui.audit()
    ben_ui.audit()
