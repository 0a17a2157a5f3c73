"""Notifications end to end with the real kinds and the real fan-out: a mention reaches the member's open
page live (badge and centre) and opens the exact post; a reply in a topic the member watches emails them
while they are away (real SMTP), and their answer by email appears in the topic."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

import factories as testing
from townhall.accounts.models import User
from townhall.discussions import actions
from townhall.discussions.models import WATCHING, Post
from townhall.notifications.email import inbound, sending
from townhall.notifications.models import Notification
from townhall.policy.guardian import Guardian
from townhall.spaces.models import Space

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notifications"))
from test_browser_realtime import LIVE, elsewhere

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2)]


def _sign_in(ui: Any, username: str) -> None:
    client = Client()
    client.force_login(User.objects.get(username=username))
    ui.page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": ui.base_url}]
    )


def _badge(page: Any) -> Any:
    return page.get_by_role("complementary", name="Spaces").locator('a[href="/notifications/"] .unread-count')


def test_a_mention_shows_up_live_in_the_badge_and_the_centre_and_opens_the_post(
    new_live_ui: Any, asgi_server: Any, db: None
) -> None:
    testing.make_community()
    ana = testing.make_member("ana", display_name="Ana Aperture")
    ben = testing.make_member("ben", display_name="Ben Barlow")
    space = testing.make_space("Night owls", visibility=Space.MEMBERS, members=[ana, ben])
    topic = elsewhere(
        lambda: actions.create_topic(
            Guardian(ben), space, title="Orion tonight", body="Clear skies at 22:00?"
        )
    )

    ui = new_live_ui(label="ana")
    _sign_in(ui, "ana")
    page = ui.page
    page.add_init_script(LIVE)
    ui.goto("/notifications/")
    page.wait_for_function("window.__streamLive === true", timeout=15_000)
    expect(_badge(page)).to_be_hidden()

    post = elsewhere(lambda: actions.create_post(Guardian(ben), topic, body="@ana bring the red torch!"))

    expect(_badge(page)).to_have_text(re.compile(r"^1\b"))
    item = page.get_by_role("link", name=re.compile("Ben Barlow mentioned you in Orion tonight"))
    expect(item).to_be_visible()
    ui.audit()
    ui.click(item, url=re.compile(rf"/t/{topic.pk}/"))
    expect(page.get_by_text("bring the red torch!")).to_be_visible()
    row = Notification.objects.get(recipient=ana, kind="mention")
    assert row.target == f"post:{post.pk}" and row.read_at is not None


def test_a_reply_in_a_watched_topic_emails_the_away_member_whose_email_reply_lands_in_the_topic(
    new_ui: Any, live_server: Any, outbox: Any, settings: Any, db: None
) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = "reply.nightsky.example"
    testing.make_community()
    ana = testing.make_member("ana", display_name="Ana Aperture")
    ben = testing.make_member("ben", display_name="Ben Barlow")
    space = testing.make_space("Gear", visibility=Space.MEMBERS, members=[ana, ben])
    topic = actions.create_topic(Guardian(ben), space, title="Which lens for the Milky Way?", body="Ideas?")
    actions.set_topic_follow_level(Guardian(ana), topic, level=WATCHING)

    # Ana is away: Ben's reply waits ten minutes for her, then goes out by email.
    answer = actions.create_post(Guardian(ben), topic, body="A 14mm f/2.8 is the classic choice.")
    row = Notification.objects.get(recipient=ana, kind="watched_topic")
    assert row.email_state == "pending" and row.read_at is None
    assert not outbox.to(ana.email)
    sending.deliver([row.pk], now=timezone.now() + timedelta(minutes=11))
    [sent] = outbox.to(ana.email)
    assert "Which lens for the Milky Way?" in str(sent["Subject"])
    assert str(sent["Reply-To"]).startswith("reply+") and "List-Unsubscribe" in sent

    # She answers from her mail client; the answer is posted as her, under Ben's post.
    reply = inbound_reply(sent, "Thanks Ben, ordered one!", sent_to=ana.email)
    assert inbound.receive(reply).code == inbound.EX_OK
    posted = Post.objects.get(topic=topic, author=ana)
    assert posted.body == "Thanks Ben, ordered one!" and posted.reply_to == answer

    ui = new_ui()
    _sign_in(ui, "ben")
    ui.goto(topic.get_absolute_url())
    expect(ui.page.get_by_text("Thanks Ben, ordered one!")).to_be_visible()


def inbound_reply(sent: Any, text: str, *, sent_to: str) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = f"Ana Aperture <{sent_to}>"
    message["To"] = str(sent["Reply-To"])
    message["Subject"] = f"Re: {str(sent['Subject']).strip()}"
    message["Message-ID"] = "<ana-reply-1@mail.example.org>"
    message["In-Reply-To"] = str(sent["Message-ID"])
    quoted = "\n".join(
        f"> {line}" for line in str(sent.get_body(preferencelist=("plain",)).get_content()).splitlines()
    )
    message.set_content(f"{text}\n\nOn Wed, 2 Dec 2026 at 21:04, Townhall wrote:\n{quoted}\n")
    return message.as_bytes()
