"""Direct messages in a real browser with axe-core on every page: a member starts a conversation from a
profile and sends a message; the other member, on a phone, finds it in their Messages inbox with an
unread count, answers, and later starts a group from "New message"; a member blocks another from their
profile and finds them on the blocked-members page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.accounts.models import Block
from townhall.chat.models import Message
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_direct_message_from_a_profile_reaches_the_inbox(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    testing.make_member("max", display_name="Max Member")
    testing.make_member("lea", display_name="Lea Learner")
    testing.make_member("sol", display_name="Sol Stargazer")

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/u/lea/")
    ui.click(ui.page.get_by_role("button", name="Message Lea Learner"), url=re.compile(r"/messages/dm-"))
    page = ui.page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lea Learner")
    page.get_by_label(re.compile("^Message ")).fill("Clear skies tonight, want to meet at the field?")
    ui.act(page.get_by_role("button", name="Send"))
    expect(page.get_by_role("log")).to_contain_text("want to meet at the field?")
    assert Message.objects.filter(space__kind="direct").count() == 1

    phone = new_ui(color_scheme=scheme, phone=True, label="phone")
    log_in(phone, "lea")
    phone.goto("/messages/")
    item = phone.page.locator(".dm-item").first
    expect(item).to_contain_text("Max Member")
    expect(item).to_contain_text("want to meet at the field?")
    expect(item.locator(".unread-count")).to_contain_text("1")
    phone.click(item.get_by_role("link"), url=re.compile(r"/messages/dm-"))
    phone.page.get_by_label(re.compile("^Message ")).fill("Yes! Bringing the 8 inch")
    phone.act(phone.page.get_by_role("button", name="Send"))
    expect(phone.page.get_by_role("log")).to_contain_text("Bringing the 8 inch")

    # A group from "New message", with a name and a first message
    phone.goto("/messages/new/")
    phone.page.get_by_label("To", exact=True).fill("max, sol")
    phone.page.get_by_label("Group name (optional)").fill("Field trip")
    phone.page.get_by_label("Message (optional)").fill("Who brings the thermos?")
    phone.click(
        phone.page.get_by_role("button", name="Start conversation"), url=re.compile(r"/messages/dm-g-")
    )
    expect(phone.page.get_by_role("heading", level=1)).to_contain_text("Field trip")
    expect(phone.page.get_by_role("log")).to_contain_text("Who brings the thermos?")
    assert Space.objects.get(name="Field trip").member_count == 3

    ui.goto("/messages/")
    expect(ui.page.locator(".dm-item").first).to_contain_text("Field trip")


def test_blocking_a_member_from_their_profile(new_ui: Any, db: None) -> None:
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    testing.make_member("lea", display_name="Lea Learner")

    ui = new_ui()
    log_in(ui, "max")
    ui.goto("/u/lea/")
    page = ui.page
    page.locator("summary", has_text="More options for Lea Learner").click()
    ui.click(page.get_by_role("button", name="Block Lea Learner"), url=re.compile(r"/u/lea/$"))
    expect(page.get_by_text("You blocked Lea Learner.").first).to_be_visible()
    expect(page.get_by_role("button", name="Unblock Lea Learner")).to_be_visible()
    assert Block.objects.filter(blocker=max_).count() == 1
    ui.goto("/settings/blocked/")
    expect(page.locator("#blocked-list")).to_contain_text("Lea Learner")
    ui.click(page.get_by_role("button", name="Unblock Lea Learner"), url=re.compile(r"/settings/blocked/$"))
    expect(page.get_by_text("You have not blocked anyone.")).to_be_visible()


def test_the_inbox_and_the_sidebar_count_follow_the_stream(new_ui: Any, db: None) -> None:
    """With a scripted stream socket: a broadcast about a new message makes the open inbox and the
    sidebar's Messages count fetch themselves again, as the reader may see them."""
    import json
    import time

    from townhall.chat import actions
    from townhall.policy import Guardian

    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    lea = testing.make_member("lea", display_name="Lea Learner")
    space = actions.start_conversation(Guardian(max_), people=[lea])

    ui = new_ui()
    sockets: list[Any] = []
    ui.page.route_web_socket(re.compile(r".*/ws/stream/.*"), lambda ws: sockets.append(ws))  # no server
    log_in(ui, "lea")
    ui.goto("/messages/")
    page = ui.page
    deadline = time.monotonic() + 15
    while not sockets:
        assert time.monotonic() < deadline, "no stream socket"
        page.wait_for_timeout(50)
    socket = sockets[-1]
    socket.send(json.dumps({"type": "stream", "op": "live", "seq": 1}))
    expect(page.locator(".dm-item").first).to_contain_text("No messages yet")

    message = actions.send_message(Guardian(max_), space, body="Saturn is up!")
    frame = {
        "type": "chat",
        "op": "message_created",
        "space_id": space.pk,
        "message_id": message.pk,
        "seq": 2,
    }
    socket.send(json.dumps(frame))
    expect(page.locator(".dm-item").first).to_contain_text("Saturn is up!", timeout=10_000)
    messages_link = page.get_by_role("navigation", name="Your spaces").get_by_role(
        "link", name=re.compile("^Messages")
    )
    expect(messages_link.locator(".unread-count")).to_contain_text("1")
    ui.audit()
