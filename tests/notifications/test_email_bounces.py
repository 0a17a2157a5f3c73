"""Bounces and complaints: a DSN with a permanent failure or an ARF complaint sent to a VERP bounce
address stops email to that address and tells the member in the page; a temporary failure is only
logged; a forged bounce address changes nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.urls import reverse
from notify_email_testing import REPLY_DOMAIN, later, notify, reply_kind  # noqa: F401

from townhall.notifications.email import inbound, sending, tokens
from townhall.notifications.models import BOUNCED, COMPLAINED, FAILED, EmailSuppression, Notification

pytestmark = pytest.mark.usefixtures("reply_kind")


@pytest.fixture(autouse=True)
def _domain(settings: Any) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = REPLY_DOMAIN


def dsn(to: str, *, status: str, action: str = "failed", recipient: str = "max@example.org") -> bytes:
    """A delivery status notification as Postfix writes one (RFC 3464)."""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn.{status}@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Tue,  1 Dec 2026 21:04:00 +0000

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

--BOUNDARY
Content-Type: text/rfc822-headers

From: Night Sky Collective <noreply@nightsky.example>
To: {recipient}
Subject: [Night Sky Collective] Ana Astro replied to Which lens for the Milky Way?

--BOUNDARY--
""".replace("\n", "\r\n").encode()


def arf(to: str) -> bytes:
    """A spam complaint in the Abuse Reporting Format (RFC 5965), as a feedback loop sends it."""
    return f"""From: feedback@fbl.example.net
To: {to}
Subject: Complaint about a message from nightsky.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain

This is an email abuse report.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1

--ARF
Content-Type: message/rfc822

From: Night Sky Collective <noreply@nightsky.example>
To: max@example.org
Subject: Your daily digest

Hello
--ARF--
""".replace("\n", "\r\n").encode()


def bounce_address(user: Any) -> str:
    found = tokens.bounce_address(user_id=user.pk, email=user.email)
    assert found is not None
    return found


def test_a_permanent_bounce_suppresses_the_address_and_tells_the_member(member: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(dsn(bounce_address(member), status="5.1.1"))
    assert outcome.code == inbound.EX_OK
    assert "permanent bounce" in caplog.text
    row = EmailSuppression.objects.get(email=member.email)
    assert row.reason == BOUNCED and row.detail.startswith("5.1.1 smtp; 550 5.1.1")
    notice = Notification.objects.get(recipient=member, kind="email_bounced")
    assert notice.url == reverse("account_email")
    assert notice.email_state == ""  # in the page only
    assert notice.data["address"] == member.email


def test_the_same_bounce_twice_tells_the_member_once(member: Any) -> None:
    inbound.receive(dsn(bounce_address(member), status="5.1.1"))
    inbound.receive(dsn(bounce_address(member), status="5.1.1"))
    assert EmailSuppression.objects.count() == 1
    assert Notification.objects.filter(recipient=member, kind="email_bounced").count() == 1


def test_a_suppressed_address_gets_no_more_notification_email(member: Any, outbox: Any) -> None:
    inbound.receive(dsn(bounce_address(member), status="5.2.1"))
    pending = notify(member)
    sending.deliver([pending.pk], now=later(11))
    pending.refresh_from_db()
    assert pending.email_state == FAILED
    assert len(outbox) == 0


def test_a_temporary_failure_is_only_logged(member: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(dsn(bounce_address(member), status="4.2.2", action="delayed"))
    assert outcome.code == inbound.EX_OK
    assert "temporary delivery failure" in caplog.text and "4.2.2" in caplog.text
    assert not EmailSuppression.objects.exists()
    assert not Notification.objects.filter(kind="email_bounced").exists()


def test_a_spam_complaint_suppresses_the_address(member: Any) -> None:
    assert inbound.receive(arf(bounce_address(member))).code == inbound.EX_OK
    row = EmailSuppression.objects.get(email=member.email)
    assert row.reason == COMPLAINED
    assert (
        Notification.objects.get(recipient=member, kind="email_bounced").data["reason"]
        == "was reported as spam"
    )


def test_a_forged_bounce_address_changes_nothing(member: Any, caplog: Any) -> None:
    forged = f"bounces+{tokens._b36(member.pk)}.aaaaaaaaaaaaaaaa@{REPLY_DOMAIN}"
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(dsn(forged, status="5.1.1"))
    assert outcome.code == inbound.EX_NOUSER
    assert "bounce address refused" in caplog.text
    assert not EmailSuppression.objects.exists()


def test_a_bounce_for_an_address_the_member_has_since_changed_is_ignored(member: Any) -> None:
    old = bounce_address(member)
    member.email = "max.new@example.org"
    member.save(update_fields=["email"])
    assert inbound.receive(dsn(old, status="5.1.1")).code == inbound.EX_NOUSER
    assert not EmailSuppression.objects.exists()


def test_a_report_not_sent_to_a_bounce_address_is_refused(member: Any) -> None:
    assert inbound.receive(dsn("postmaster@nightsky.example", status="5.1.1")).code == inbound.EX_NOUSER
    assert not EmailSuppression.objects.exists()


def test_plain_mail_to_a_bounce_address_is_ignored(member: Any) -> None:
    raw = (
        f"From: someone@example.org\r\nTo: {bounce_address(member)}\r\nSubject: hi\r\n\r\nhello\r\n".encode()
    )
    outcome = inbound.receive(raw)
    assert outcome.code == inbound.EX_OK and "no delivery report" in outcome.message
    assert not EmailSuppression.objects.exists()


def test_the_notice_in_the_page_says_what_happened_and_is_never_emailed(member: Any) -> None:
    from townhall.notifications import kinds
    from townhall.notifications.email.compose import notification_text

    inbound.receive(dsn(bounce_address(member), status="5.1.1"))
    notice = Notification.objects.get(recipient=member, kind="email_bounced")
    kind = kinds.kinds["email_bounced"]
    assert kind.channels == frozenset({"web"})
    assert notification_text(kind, notice) == (
        "Email to max@example.org bounced: we stopped sending notifications there. Check your address."
    )
