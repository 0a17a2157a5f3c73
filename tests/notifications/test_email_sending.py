"""Notification emails: sent over real SMTP after the member's delay, once, only while still permitted,
threaded and unsubscribable; an SMTP outage is retried with backoff and loses nothing."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone
from notify_email_testing import REPLY_DOMAIN, TEST_KIND, later, notify, reply_kind  # noqa: F401

import factories as testing
from townhall.community.models import Membership
from townhall.notifications.channels import channels
from townhall.notifications.email import sending, tasks
from townhall.notifications.models import (
    BOUNCED,
    CANCELLED,
    EMAIL,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    EmailSuppression,
    Notification,
    Preference,
    Settings,
)
from townhall.spaces.models import Space

pytestmark = pytest.mark.usefixtures("reply_kind")


def free_port() -> int:
    """A port nothing listens on now (never a fixed one: other test processes run at the same time)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(autouse=True)
def _reply_domain(settings: Any) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = REPLY_DOMAIN
    settings.BASE_URL = "https://nightsky.example"


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Astro")


def state(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.email_state


def test_the_email_channel_is_registered_with_the_notifications_app() -> None:
    assert channels["email"].schedule is sending.schedule


def test_nothing_goes_before_the_delay_and_one_email_goes_after_it(
    member: Any, ana: Any, outbox: Any
) -> None:
    notification = notify(member, actor=ana)
    sending.schedule([notification.pk])  # the inline queue runs it at once: not due yet
    assert len(outbox) == 0
    assert state(notification) == PENDING

    counts = sending.deliver([notification.pk], now=later(11))

    assert counts == {"send": 1}
    assert state(notification) == SENT
    [message] = outbox.to(member.email)
    assert (
        message["Subject"].strip()
        == "[Night Sky Collective] Ana Astro replied to Which lens for the Milky Way?"
    )
    assert message["From"].addresses[0].display_name == "Night Sky Collective"
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Try a 14mm f/2.8" in plain and "https://nightsky.example/t/1/which-lens/" in plain
    assert "Try a 14mm f/2.8" in html and 'href="https://nightsky.example/t/1/which-lens/"' in html
    assert "#3b5bdb" in html  # the community's accent colour


def test_a_second_delivery_of_the_same_notification_sends_nothing(member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana)
    sending.deliver([notification.pk], now=later(11))
    again = sending.deliver([notification.pk, notification.pk], now=later(12))
    assert again == {"skipped": 2}
    assert len(outbox) == 1


def test_threading_headers_keep_one_topic_in_one_conversation(member: Any, ana: Any, outbox: Any) -> None:
    first = notify(member, actor=ana, thread_key="topic:12")
    second = notify(member, actor=ana, thread_key="topic:12")
    other = notify(member, actor=ana, thread_key="space:5")
    sending.deliver([first.pk, second.pk, other.pk], now=later(11))
    a, b, c = outbox.to(member.email)
    assert a["Message-ID"] != b["Message-ID"]
    assert a["Message-ID"] == f"<notification.{first.pk}.{member.pk}@{REPLY_DOMAIN}>"
    assert a["References"] == b["References"] == a["In-Reply-To"] == f"<topic.12@{REPLY_DOMAIN}>"
    assert c["References"] == f"<space.5@{REPLY_DOMAIN}>"


def test_list_unsubscribe_headers_offer_one_click_and_mail(member: Any, ana: Any, outbox: Any) -> None:
    sending.deliver([notify(member, actor=ana).pk], now=later(11))
    [message] = outbox
    links = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert links[0].startswith("https://nightsky.example/email/unsubscribe/") and links[0].endswith(
        "/one-click/"
    )
    assert links[1].startswith("mailto:unsubscribe+") and f"@{REPLY_DOMAIN}" in links[1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    footer = re.search(r"Stop emails about replies to your posts: (\S+)", outbox.body(message))
    assert footer and footer.group(1).startswith("https://nightsky.example/email/unsubscribe/")


def test_reply_to_is_a_signed_address_of_the_recipient(member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana)
    sending.deliver([notification.pk], now=later(11))
    [message] = outbox
    reply_to = str(message["Reply-To"])
    assert re.fullmatch(rf"reply\+[a-z0-9]+\.[a-z0-9]+\.[a-z2-7]{{16}}@{re.escape(REPLY_DOMAIN)}", reply_to)
    assert len(reply_to.split("@")[0]) <= 64  # an address's local part
    assert "You can also reply to this email" in outbox.body(message)


def test_without_a_reply_domain_there_is_no_reply_to_and_no_hint(
    settings: Any, member: Any, ana: Any, outbox: Any
) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = ""
    sending.deliver([notify(member, actor=ana).pk], now=later(11))
    [message] = outbox
    assert message["Reply-To"] is None
    assert "reply to this email" not in outbox.body(message)
    assert "mailto:" not in message["List-Unsubscribe"]
    assert message["Message-ID"].endswith("@nightsky.example>")


def test_a_thread_nobody_can_reply_to_by_email_gets_no_reply_to(member: Any, ana: Any, outbox: Any) -> None:
    sending.deliver([notify(member, actor=ana, thread_key="membership:3").pk], now=later(11))
    assert outbox[0]["Reply-To"] is None


def test_the_envelope_sender_is_a_per_recipient_bounce_address(settings: Any, member: Any, ana: Any) -> None:
    envelopes: list[str] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            envelopes.append(envelope.mail_from)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}  # fmt: skip
        sending.deliver([notify(member, actor=ana).pk], now=later(11))
    finally:
        controller.stop()
    assert len(envelopes) == 1 and re.fullmatch(
        rf"bounces\+[a-z0-9]+\.[a-z2-7]{{16}}@{re.escape(REPLY_DOMAIN)}", envelopes[0]
    )


# --- cancelled, failed or held at delivery -------------------------------------------------------------


def test_seen_on_the_site_within_the_delay_cancels_the_email(member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana)
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    assert sending.deliver([notification.pk], now=later(11)) == {"cancel": 1}
    assert state(notification) == CANCELLED
    assert len(outbox) == 0


def test_a_member_who_lost_access_to_the_space_gets_no_email(member: Any, ana: Any, outbox: Any) -> None:
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[ana])
    notification = notify(member, actor=ana, space=private)
    sending.deliver([notification.pk], now=later(11))
    assert state(notification) == CANCELLED
    assert len(outbox) == 0


def test_the_kinds_own_check_is_asked_at_delivery(member: Any, ana: Any, outbox: Any) -> None:
    from townhall.notifications import kinds

    asked: list[int] = []

    def still_visible(guardian: Any, notification: Notification) -> bool:
        asked.append(notification.pk)
        return False  # the post was deleted, the sender blocked...

    kinds.register(kinds.Kind(**{**TEST_KIND.__dict__, "still_visible": still_visible}))
    notification = notify(member, actor=ana)
    sending.deliver([notification.pk], now=later(11))
    assert asked == [notification.pk]
    assert state(notification) == CANCELLED
    assert len(outbox) == 0


@pytest.mark.parametrize("standing", [Membership.BANNED, Membership.LEFT, Membership.PENDING])
def test_someone_no_longer_a_member_gets_no_email(standing: str, member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana)
    Membership.objects.filter(user=member).update(state=standing)
    sending.deliver([notification.pk], now=later(11))
    assert state(notification) == CANCELLED
    assert len(outbox) == 0


def test_email_turned_off_for_the_kind_since_cancels_it(member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana)
    Preference.objects.create(user=member, kind=TEST_KIND.key, channel=EMAIL, enabled=False)
    sending.deliver([notification.pk], now=later(11))
    assert state(notification) == CANCELLED
    assert len(outbox) == 0


def test_an_address_that_bounced_gets_nothing_and_the_email_fails(member: Any, ana: Any, outbox: Any) -> None:
    EmailSuppression.objects.create(email=member.email.upper(), reason=BOUNCED)
    notification = notify(member, actor=ana)
    sending.deliver([notification.pk], now=later(11))
    assert state(notification) == FAILED
    assert len(outbox) == 0


def test_a_kind_no_longer_registered_is_cancelled(member: Any, ana: Any, outbox: Any) -> None:
    notification = notify(member, actor=ana, kind="retired_kind")
    sending.deliver([notification.pk], now=later(11))
    assert state(notification) == CANCELLED


def test_a_paused_member_gets_the_email_when_the_pause_ends(member: Any, ana: Any, outbox: Any) -> None:
    until = later(120)
    Settings.objects.create(user=member, paused_until=until)
    notification = notify(member, actor=ana)
    assert sending.deliver([notification.pk], now=later(11)) == {"defer": 1}
    notification.refresh_from_db()
    assert notification.email_state == PENDING and notification.email_due_at == until
    assert len(outbox) == 0
    sending.deliver([notification.pk], now=later(121))
    assert state(notification) == SENT and len(outbox) == 1


def test_quiet_hours_in_the_members_time_zone_hold_the_email_until_morning(
    member: Any, ana: Any, outbox: Any
) -> None:
    member.time_zone = "Europe/Berlin"
    member.save(update_fields=["time_zone"])
    Settings.objects.create(user=member, quiet_from=dt.time(22, 0), quiet_until=dt.time(7, 0))
    notification = notify(member, actor=ana, delay=dt.timedelta(0))
    night = dt.datetime(2030, 1, 15, 23, 30, tzinfo=dt.UTC)  # 00:30 in Berlin
    Notification.objects.filter(pk=notification.pk).update(email_due_at=night)
    sending.deliver([notification.pk], now=night)
    notification.refresh_from_db()
    assert notification.email_state == PENDING
    assert notification.email_due_at == dt.datetime(2030, 1, 16, 6, 0, tzinfo=dt.UTC)  # 07:00 in Berlin
    assert len(outbox) == 0


# --- SMTP down ------------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        import email.policy

        self.subjects.append(
            str(email.message_from_bytes(envelope.content, policy=email.policy.default)["Subject"]).strip()
        )
        return "250 OK"


def test_smtp_down_is_retried_with_backoff_and_nothing_is_lost_or_doubled(
    settings: Any, member: Any, ana: Any, caplog: Any
) -> None:
    recorder = Recorder()
    port = free_port()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    server.stop()  # the mail server goes down
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 3}}}  # fmt: skip
    first, second = notify(member, actor=ana), notify(member, actor=ana, title="Dew heaters")
    t0 = later(11)
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.email"):
        counts = sending.deliver([first.pk, second.pk], now=t0)
    assert counts == {"retry": 2}
    for row in (first, second):
        row.refresh_from_db()
        assert row.email_state == PENDING
        assert row.email_due_at == t0 + dt.timedelta(minutes=1)
    assert "SMTP failed for the email of notification" in caplog.text and "attempt 1 of 8" in caplog.text

    # Still down a minute later: the wait doubles.
    sending.deliver([first.pk, second.pk], now=t0 + dt.timedelta(minutes=1))
    first.refresh_from_db()
    assert first.email_due_at == t0 + dt.timedelta(minutes=3) and first.data["email_attempts"] == 2

    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()  # back up
    try:
        assert sending.deliver([first.pk, second.pk], now=t0 + dt.timedelta(minutes=2)) == {
            "skipped": 2
        }  # not due
        tasks.run_tick(now=t0 + dt.timedelta(minutes=3))  # the sweep finds them
        tasks.run_tick(now=t0 + dt.timedelta(minutes=4))
    finally:
        server.stop()
    assert sorted(recorder.subjects) == [
        "[Night Sky Collective] Ana Astro replied to Dew heaters",
        "[Night Sky Collective] Ana Astro replied to Which lens for the Milky Way?",
    ]
    assert state(first) == SENT and state(second) == SENT


def test_after_the_last_attempt_the_email_fails_with_an_error_line(
    settings: Any, member: Any, ana: Any, caplog: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 3}}}  # fmt: skip
    notification = notify(member, actor=ana)
    Notification.objects.filter(pk=notification.pk).update(data={"email_attempts": sending.MAX_ATTEMPTS - 1})
    with caplog.at_level(logging.ERROR, logger="townhall.notifications.email"):
        sending.deliver([notification.pk], now=later(11))
    assert state(notification) == FAILED
    assert "failed 8 times" in caplog.text


def test_backoff_doubles_from_a_minute() -> None:
    assert [sending.backoff(n).total_seconds() / 60 for n in range(1, 8)] == [1, 2, 4, 8, 16, 32, 64]


def test_the_sweep_fails_a_claim_that_never_finished_rather_than_send_twice(
    member: Any, ana: Any, outbox: Any
) -> None:
    notification = notify(member, actor=ana)
    Notification.objects.filter(pk=notification.pk).update(email_state=SENDING, email_due_at=later(-61))
    fresh = notify(member, actor=ana)
    Notification.objects.filter(pk=fresh.pk).update(email_state=SENDING, email_due_at=later(-5))
    counts = sending.sweep(now=timezone.now())
    assert counts["stale"] == 1
    assert state(notification) == FAILED
    assert state(fresh) == SENDING  # another worker may be sending it right now
    assert len(outbox) == 0


def test_schedule_sends_at_once_what_is_already_due(member: Any, ana: Any, outbox: Any) -> None:
    due = notify(member, actor=ana, delay=dt.timedelta(0))
    Notification.objects.filter(pk=due.pk).update(email_due_at=later(-1))
    sending.schedule([due.pk])
    assert state(due) == SENT and len(outbox) == 1


def test_schedule_asks_the_queue_to_wait_until_the_due_time(member: Any, ana: Any, monkeypatch: Any) -> None:
    enqueued: list[tuple[list[int], Any]] = []
    monkeypatch.setattr(sending, "enqueue_at", lambda task, ids, when: enqueued.append((ids, when)))
    rows = [notify(member, actor=ana) for _ in range(sending.BATCH + 3)]
    sending.schedule([r.pk for r in rows])
    assert [len(ids) for ids, _ in enqueued] == [sending.BATCH, 3]
    due = rows[0].email_due_at
    assert all(
        when is not None and dt.timedelta(0) < when - due <= dt.timedelta(minutes=1) for _, when in enqueued
    )


def test_a_batch_goes_over_one_smtp_connection(settings: Any, member: Any, ana: Any) -> None:
    greetings: list[str] = []
    recorder = Recorder()

    class Counting(Recorder):
        async def handle_EHLO(
            self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            greetings.append(hostname)
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return await recorder.handle_DATA(server, session, envelope)

    port = free_port()
    server = Controller(Counting(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}  # fmt: skip
        rows = [notify(member, actor=ana, title=f"Topic {n}") for n in range(3)]
        assert sending.deliver([r.pk for r in rows], now=later(11)) == {"send": 3}
    finally:
        server.stop()
    assert len(recorder.subjects) == 3
    assert len(greetings) == 1
