"""Chat in a real browser with axe-core on every page: a member posts in place (htmx), an empty message
is refused beside the field with the text kept, and on a phone another member reads and answers."""

from __future__ import annotations

from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.chat import actions
from townhall.chat.models import Message
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_post_a_message_and_see_it(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    lea = testing.make_member("lea", display_name="Lea Learner")
    space = testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_, lea])
    actions.send_message(Guardian(lea), space, body="Anyone out tonight?")

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/s/night-owls/")
    page = ui.page
    log = page.get_by_role("log", name="Messages in Night owls")
    expect(log).to_contain_text("Anyone out tonight?")

    box = page.get_by_label("Message Night owls")
    box.fill("   ")
    ui.act(page.get_by_role("button", name="Send"))
    expect(page.get_by_text("Write something before sending.")).to_be_visible()

    page.get_by_label("Message Night owls").fill("Yes! Seeing is *great*")
    ui.act(page.get_by_role("button", name="Send"))
    expect(log.locator("em")).to_have_text("great")
    expect(page.get_by_label("Message Night owls")).to_have_value("")  # a fresh composer
    assert Message.objects.filter(author=max_).count() == 1

    phone = new_ui(color_scheme=scheme, phone=True, label="phone")
    log_in(phone, "lea")
    phone.goto("/s/night-owls/")
    expect(phone.page.get_by_role("log")).to_contain_text("Seeing is great")
    phone.page.get_by_label("Message Night owls").fill("On my way with the 8 inch")
    phone.act(phone.page.get_by_role("button", name="Send"))
    expect(phone.page.get_by_role("log")).to_contain_text("On my way with the 8 inch")
    ui.goto("/s/night-owls/")
    expect(log).to_contain_text("On my way with the 8 inch")
