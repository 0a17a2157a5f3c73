"""Threads in a real browser with axe-core on every page: on a wide screen a member opens a thread in the
side panel beside the channel (the address changes, so it can be shared and reloaded), replies with "Also
send to channel" and sees the reply in the channel too; on a phone another member opens the full thread
page, reads the reply, follows the thread's replies and finds it in Threads; the author moves the
thread to a discussion topic and the channel links to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.chat import actions
from townhall.chat.models import Message
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_thread_in_the_side_panel_and_on_a_phone(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    lea = testing.make_member("lea", display_name="Lea Learner")
    space = testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_, lea])
    testing.make_space("Imaging", kind="discussion")
    root = actions.send_message(Guardian(lea), space, body="Which flats do you use for narrowband?")
    actions.reply_in_thread(Guardian(lea), root, body="I have been trying sky flats at dusk")

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/s/night-owls/")
    page = ui.page
    log = page.get_by_role("log", name="Messages in Night owls")
    expect(log).to_contain_text("1 reply")
    ui.act(log.get_by_role("link", name="1 reply"))
    panel = page.locator("#chat-thread-panel")
    expect(panel.get_by_role("heading", name="Thread", exact=True)).to_be_visible()
    expect(panel).to_contain_text("I have been trying sky flats at dusk")
    assert ui.path == f"/s/night-owls/?thread={root.pk}"
    beside, channel = panel.bounding_box(), log.bounding_box()
    assert beside is not None and channel is not None and beside["x"] > channel["x"] + 200  # not below it

    panel.get_by_label("Reply in the thread").fill("An LED panel works better for me")
    panel.get_by_label("Also send to Night owls").check()
    ui.act(panel.get_by_role("button", name="Reply"))
    expect(panel.locator("#thread-replies")).to_contain_text("An LED panel works better for me")
    expect(panel.get_by_label("Reply in the thread")).to_have_value("")
    expect(log).to_contain_text("An LED panel works better for me")  # in the channel beside it, at once
    reply = Message.objects.get(body="An LED panel works better for me")
    assert reply.also_in_channel and reply.thread_root_id == root.pk

    ui.goto(f"/s/night-owls/?thread={root.pk}")  # reloaded: the panel is there again, and the reply
    expect(page.locator("#chat-thread-panel")).to_contain_text("An LED panel works better for me")
    expect(log).to_contain_text("An LED panel works better for me")  # also sent to the channel
    expect(log).to_contain_text("Replied to a thread")
    expect(log).to_contain_text("2 replies")
    page.locator("#chat-thread-panel").get_by_label("Reply in the thread").press("Escape")  # closes it
    expect(page.locator("#chat-thread-panel [data-thread-root]")).to_have_count(0)
    assert ui.path == "/s/night-owls/"
    ui.audit()

    phone = new_ui(color_scheme=scheme, phone=True, label="phone")
    log_in(phone, "lea")
    phone.goto("/s/night-owls/")
    phone.click(
        phone.page.get_by_role("log").get_by_role("link", name="2 replies"), url=re.compile(r"/chat/thread/")
    )
    expect(phone.page.get_by_role("heading", name="Thread", exact=True)).to_be_visible()
    expect(phone.page.locator("#thread-replies")).to_contain_text("An LED panel works better for me")
    expect(phone.page.get_by_text("Following: Lea Learner, Max Member")).to_be_visible()
    phone.goto("/s/night-owls/chat/threads/")
    expect(phone.page.get_by_role("link", name=re.compile("Which flats"))).to_be_visible()

    # Lea, the author, moves the thread to a topic; the channel links to it instead.
    phone.goto(f"/s/night-owls/chat/thread/{root.pk}/promote/")
    phone.page.get_by_label("Topic title").fill("Flats for narrowband")
    phone.click(phone.page.get_by_role("button", name="Move to topic"), url=re.compile(r"/t/"))
    topic = Topic.objects.get(title="Flats for narrowband")
    assert topic.posts.count() == 3
    ui.goto("/s/night-owls/")
    expect(log.get_by_role("link", name="Flats for narrowband")).to_be_visible()
    ui.assert_clean()
    phone.assert_clean()


def test_live_replies_reach_an_open_thread_and_the_reply_count(new_ui: Any, db: None) -> None:
    """The stream's broadcasts carry ids only (dispatched here as stream.js would): the open panel fetches
    the new reply, the channel fetches the root again for its count, an edited reply is replaced."""
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    lea = testing.make_member("lea", display_name="Lea Learner")
    space = testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_, lea])
    root = actions.send_message(Guardian(lea), space, body="Guiding trouble tonight")
    actions.reply_in_thread(Guardian(max_), root, body="Check the cable drag")

    ui = new_ui()
    log_in(ui, "max")
    ui.goto(f"/s/night-owls/?thread={root.pk}")
    page = ui.page
    replies = page.locator("#thread-replies")
    expect(replies).to_contain_text("Check the cable drag")

    def broadcast(**payload: Any) -> None:
        page.evaluate(
            "(detail) => document.dispatchEvent(new CustomEvent('townhall:broadcast', {detail}))",
            {"type": "chat", "space_id": space.pk, **payload},
        )

    reply = actions.reply_in_thread(Guardian(lea), root, body="That was it, thank you!")
    broadcast(op="thread_reply", root_id=root.pk, message_id=reply.pk)
    expect(replies).to_contain_text("That was it, thank you!")
    expect(page.get_by_role("log").get_by_role("link", name="2 replies")).to_be_visible()
    # A reply in another thread Max follows counts as unread; the one shown live in the open thread not.
    expect(page.locator("#chat-threads-link")).to_have_text("Threads")
    other = actions.send_message(Guardian(lea), space, body="Anyone up for Saturday?")
    actions.reply_in_thread(Guardian(max_), other, body="Me")
    news = actions.reply_in_thread(Guardian(lea), other, body="Great, 20:00 then")
    broadcast(op="thread_reply", root_id=other.pk, message_id=news.pk)
    expect(page.locator("#chat-threads-link")).to_have_text("Threads · 1 unread")

    reply = Message.objects.select_related("space").get(pk=reply.pk)
    actions.edit_message(Guardian(lea), reply, body="That was it, thanks a lot!")
    broadcast(op="message_edited", message_id=reply.pk)
    expect(replies).to_contain_text("thanks a lot!")
    expect(replies).to_contain_text("(edited)")
    ui.audit()
    ui.assert_clean()
