"""Chat reactions and mentions in a real browser, with axe-core on every page: a member reacts to a
message from the picker (htmx swaps the bar in place), takes the reaction back by pressing it, sees
another member's reaction arrive live, and @mentions someone from the suggestions; on a phone the same
controls work and the page stays within the screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.chat import actions
from townhall.chat.models import MessageReaction
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_react_take_back_and_mention(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    lea = testing.make_member("lea", display_name="Lea Learner")
    space = testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_, lea])
    said = actions.send_message(Guardian(lea), space, body="First light with the new scope!")

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/s/night-owls/")
    page = ui.page
    message = page.locator(f"#m-{said.pk}")
    message.hover()
    message.locator(".react-picker summary").click()
    ui.act(message.get_by_role("button", name="Celebrate"))
    bar = page.locator(f"#chat-reactions-{said.pk}")
    mine = bar.get_by_role("button", name=re.compile("Celebrate"))
    expect(mine).to_have_attribute("aria-pressed", "true")
    expect(mine).to_contain_text("1")
    assert MessageReaction.objects.filter(user=max_, emoji="🎉").exists()

    ui.act(mine)  # pressing it again takes it back
    expect(bar.get_by_role("button", name=re.compile("Celebrate"))).to_have_count(0)
    assert not MessageReaction.objects.exists()

    box = page.get_by_label("Message Night owls")
    box.click()
    box.press_sequentially("Congrats @le")
    suggestion = page.locator("#mentions-chat-body [data-mention='lea']")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(box).to_have_value("Congrats @lea ")
    ui.act(page.get_by_role("button", name="Send"))
    expect(page.get_by_role("log").locator("a.mention")).to_have_text("@lea")

    phone = new_ui(color_scheme=scheme, phone=True, label="phone")
    log_in(phone, "lea")
    phone.goto("/s/night-owls/")
    theirs = phone.page.locator(f"#m-{said.pk}")
    theirs.locator(".react-picker summary").click()
    phone.act(theirs.get_by_role("button", name="Heart"))
    expect(phone.page.locator(f"#chat-reactions-{said.pk}")).to_contain_text("1")
    phone.check_width()
