"""Chat in a real browser with axe-core on every page: a member posts in place (htmx), an empty message
is refused beside the field with the text kept, and on a phone another member reads and answers; a
moderator sets the topic line and pins a message, and a member back on their phone finds the Pinned area,
the "New messages" divider and the "Jump to unread" link."""

from __future__ import annotations

import re
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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_topic_pinned_messages_and_the_unread_divider(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    sol = testing.make_member("sol", display_name="Sol Spacemod")
    space = testing.make_space(
        "Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_], moderators=[sol]
    )
    party = actions.send_message(Guardian(sol), space, body="Star party on Saturday at 20:00")
    actions.pin_message(Guardian(sol), party)
    actions.send_message(Guardian(max_), space, body="I'll be there")  # Max has read up to here
    actions.send_message(Guardian(sol), space, body="Bring a red torch")

    mod = new_ui(color_scheme=scheme, label="moderator")
    log_in(mod, "sol")
    mod.goto("/s/night-owls/")
    page = mod.page
    mod.click(page.get_by_role("link", name="Set a topic"))
    page.get_by_label("Topic line").fill("Clear skies only <please>")
    mod.click(page.get_by_role("button", name="Save"), url=re.compile(r"/s/night-owls/$"))
    expect(page.locator("#chat-topic")).to_have_text("Clear skies only <please>")
    torch = page.locator("li.chat-message", has_text="Bring a red torch")
    mod.act(torch.get_by_role("button", name=re.compile(r"^Pin\b")))
    pinned = page.get_by_role("region", name="Pinned")
    expect(pinned).to_contain_text("Bring a red torch")
    expect(torch).to_contain_text("Pinned")

    ui = new_ui(color_scheme=scheme, phone=True, label="phone")
    log_in(ui, "max")
    ui.goto("/s/night-owls/")
    page = ui.page
    expect(page.locator("#chat-topic")).to_have_text("Clear skies only <please>")
    pinned = page.get_by_role("region", name="Pinned")
    expect(pinned).to_contain_text("Star party on Saturday at 20:00")
    expect(pinned).to_contain_text("Bring a red torch")
    divider = page.get_by_role("log").locator("#chat-unread")
    expect(divider).to_have_text("New messages")
    expect(page.locator("#chat-unread + li")).to_contain_text("Bring a red torch")
    expect(page.locator("#chat-unread ~ li", has_text="I'll be there")).to_have_count(0)
    page.get_by_role("link", name="Jump to unread").click()
    expect(page).to_have_url(re.compile(r"#chat-unread$"))
    expect(divider).to_be_in_viewport()
    ui.goto("/s/night-owls/")  # read now: no divider, no link
    expect(page.locator("#chat-unread")).to_have_count(0)
    expect(page.get_by_role("link", name="Jump to unread")).to_have_count(0)

    # The moderator unpins the star party from the Pinned area itself, in place.
    area = mod.page.get_by_role("region", name="Pinned")
    mod.act(area.get_by_role("button", name=re.compile(r"^Unpin .*Star party")))
    expect(area).not_to_contain_text("Star party")
    expect(area).to_contain_text("Bring a red torch")
    ui.goto("/s/night-owls/")
    expect(page.get_by_role("region", name="Pinned")).not_to_contain_text("Star party")
