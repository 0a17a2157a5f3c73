"""Unsubscribing from one kind of email without signing in: the footer link's page asks first, the
List-Unsubscribe header's URL takes RFC 8058's one-click POST, and mail to the mailto address works too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from notify_email_testing import REPLY_DOMAIN, TEST_KIND, later, notify, reply_kind  # noqa: F401

from townhall.notifications.email import inbound, sending, tokens
from townhall.notifications.models import CANCELLED, DIGEST_DAILY, DIGEST_OFF, EMAIL, Preference, Settings

pytestmark = pytest.mark.usefixtures("reply_kind")


@pytest.fixture(autouse=True)
def _domain(settings: Any) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = REPLY_DOMAIN
    settings.BASE_URL = "http://testserver"


def email_off(user: Any, kind: str = TEST_KIND.key) -> bool:
    return Preference.objects.filter(user=user, kind=kind, channel=EMAIL, enabled=False).exists()


def links_of(member: Any, outbox: Any) -> tuple[str, str]:
    """(footer link path, List-Unsubscribe https path) of the email `member` got."""
    sending.deliver([notify(member).pk], now=later(11))
    [message] = outbox
    footer = re.search(r"Stop emails about [^:]+: (\S+)", outbox.body(message))
    header = re.search(r"<(http[^>]+)>", message["List-Unsubscribe"])
    assert footer and header
    return footer.group(1).removeprefix("http://testserver"), header.group(1).removeprefix(
        "http://testserver"
    )


def test_the_footer_link_asks_before_changing_anything(member: Any, outbox: Any) -> None:
    footer, _header = links_of(member, outbox)
    page = Client().get(footer)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Stop emails about <strong>replies to your posts</strong>" in text
    assert "ma…@example.org" in text and member.email not in text
    assert not email_off(member)


def test_pressing_the_button_turns_that_kind_off_without_a_session(member: Any, outbox: Any) -> None:
    footer, _header = links_of(member, outbox)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(footer)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf
    done = browser.post(footer, {"csrfmiddlewaretoken": csrf.group(1)})
    assert done.status_code == 200 and "Emails turned off" in done.content.decode()
    assert email_off(member)
    assert not Preference.objects.filter(user=member).exclude(kind=TEST_KIND.key).exists()  # only that kind


def test_the_page_button_is_protected_against_cross_site_posts(member: Any, outbox: Any) -> None:
    footer, _header = links_of(member, outbox)
    assert Client(enforce_csrf_checks=True).post(footer).status_code == 403
    assert not email_off(member)


def test_one_click_post_unsubscribes_without_a_session_or_csrf_token(member: Any, outbox: Any) -> None:
    _footer, header = links_of(member, outbox)
    answer = Client(enforce_csrf_checks=True).post(header, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert email_off(member)


def test_one_click_needs_the_exact_one_click_body(member: Any, outbox: Any) -> None:
    _footer, header = links_of(member, outbox)
    assert Client(enforce_csrf_checks=True).post(header, {"anything": "else"}).status_code == 400
    assert not email_off(member)


def test_opening_the_one_click_url_leads_to_the_page_that_asks(member: Any, outbox: Any) -> None:
    footer, header = links_of(member, outbox)
    answer = Client().get(header)
    assert answer.status_code == 302 and answer["Location"] == footer
    assert not email_off(member)


# The tampered token is made inside the test: a parameter made at collection would carry the time of
# collection, which differs between pytest-xdist workers (and they must collect the same tests).
@pytest.mark.parametrize("damage", ["garbage", "tampered"])
def test_a_damaged_link_explains_itself_and_changes_nothing(damage: str, member: Any) -> None:
    token = (
        "not-a-token" if damage == "garbage" else tokens.unsubscribe_token(user_id=1, kind="x")[:-3] + "abc"
    )
    page = Client().get(f"/email/unsubscribe/{token}/")
    assert page.status_code == 400 and "This link does not work" in page.content.decode()
    assert (
        Client().post(f"/email/unsubscribe/{token}/one-click/", {"List-Unsubscribe": "One-Click"}).status_code
        == 400
    )
    assert not Preference.objects.exists()


def test_an_email_already_waiting_is_not_sent_after_unsubscribing(member: Any, outbox: Any) -> None:
    waiting = notify(member)
    token = tokens.unsubscribe_token(user_id=member.pk, kind=TEST_KIND.key)
    Client().post(f"/email/unsubscribe/{token}/one-click/", {"List-Unsubscribe": "One-Click"})
    sending.deliver([waiting.pk], now=later(11))
    waiting.refresh_from_db()
    assert waiting.email_state == CANCELLED and len(outbox) == 0


def test_the_digest_link_turns_the_digest_off(member: Any) -> None:
    Settings.objects.create(user=member, digest=DIGEST_DAILY)
    token = tokens.unsubscribe_token(user_id=member.pk, kind=tokens.DIGEST)
    assert "the digest" in Client().get(f"/email/unsubscribe/{token}/").content.decode()
    Client().post(f"/email/unsubscribe/{token}/one-click/", {"List-Unsubscribe": "One-Click"})
    assert Settings.objects.get(user=member).digest == DIGEST_OFF


def test_mail_to_the_mailto_address_unsubscribes(member: Any, outbox: Any) -> None:
    sending.deliver([notify(member).pk], now=later(11))
    mailto = re.search(r"<mailto:([^?>]+)", outbox[0]["List-Unsubscribe"])
    assert mailto
    raw = f"From: {member.email}\r\nTo: {mailto.group(1)}\r\nSubject: unsubscribe\r\n\r\n\r\n".encode()
    assert inbound.receive(raw).code == inbound.EX_OK
    assert email_off(member)


def test_a_forged_mailto_address_changes_nothing(member: Any) -> None:
    raw = f"From: x@example.org\r\nTo: unsubscribe+{tokens._b36(member.pk)}.test_reply.aaaaaaaaaaaaaaaa@{REPLY_DOMAIN}\r\n\r\n".encode()
    assert inbound.receive(raw).code == inbound.EX_NOUSER
    assert not email_off(member)
