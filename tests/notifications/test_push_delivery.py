"""Web push delivery, end to end against a local push service that checks VAPID and decrypts.

The channel claims each PENDING notification once, rechecks permission at delivery, sends a short
encrypted text to every device of the member, removes devices whose push service says they are gone,
retries what the push service asks to retry, and records SENT, CANCELLED or FAILED.
"""

from __future__ import annotations

import logging
import time
from datetime import time as clock
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from push_endpoint import PushEndpoint
from push_testing import notify
from townhall.community.models import Membership
from townhall.notifications.channels import channels
from townhall.notifications.models import (
    CANCELLED,
    FAILED,
    PENDING,
    PUSH,
    SENDING,
    SENT,
    Notification,
    PushSubscription,
    Settings,
)
from townhall.notifications.push import actions, delivery
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


def subscribe(user: Any, service: PushEndpoint, name: str, **how: Any) -> PushSubscription:
    info = service.add_device(name, **how)
    return actions.add_device(
        Guardian(user),
        endpoint=info["endpoint"],
        p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"],
        user_agent="Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    )


def state(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.push_state


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Lima")


@pytest.fixture
def deferred_tasks(settings: Any) -> Any:
    """Tasks are kept (with their run_after) instead of run inline, to see what was deferred."""
    from django.tasks import default_task_backend

    settings.TASKS = DUMMY_TASKS
    return default_task_backend


def test_the_push_channel_is_registered() -> None:
    assert channels[PUSH].schedule is delivery.schedule


def test_a_push_reaches_every_device_encrypted_signed_and_short(
    member: Any,
    ana: Any,
    push_service: PushEndpoint,
    reply_kind: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    phone = subscribe(member, push_service, "phone")
    subscribe(member, push_service, "laptop")
    n = notify(member, actor=ana)

    with django_capture_on_commit_callbacks(execute=True):
        delivery.schedule([n.pk])

    expected = {
        "title": "Night Sky Collective",
        "body": "Ana Lima replied to Garden day",
        "url": n.url,
        "tag": "topic:7",
    }
    assert push_service.payloads("phone") == [expected]
    assert push_service.payloads("laptop") == [expected]
    # The post's words never leave: the push service and the lock screen see only the kind's line.
    for received in push_service.received:
        assert "4412" not in str(received.payload)
        assert received.claims["sub"].startswith("mailto:")
        assert received.headers["content-encoding"] == "aes128gcm"
    assert state(n) == SENT
    phone.refresh_from_db()
    assert phone.last_success_at is not None and phone.failures == 0


def test_a_long_text_is_cut_and_a_missing_field_falls_back_to_the_label(
    member: Any, push_service: PushEndpoint, reply_kind: Any
) -> None:
    subscribe(member, push_service, "phone")
    long_title = notify(member, title="Observing log " * 30)
    no_title = notify(member)
    Notification.objects.filter(pk=no_title.pk).update(data={})

    delivery.send_pushes.call([long_title.pk, no_title.pk])

    first, second = push_service.payloads("phone")
    assert len(first["body"]) == 140 and first["body"].endswith("…")
    assert first["body"].startswith("Someone replied to Observing log")
    assert second["body"] == "Replies to you"


def test_each_notification_is_pushed_once_however_often_it_is_scheduled(
    member: Any, push_service: PushEndpoint, reply_kind: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(member, push_service, "phone")
    n = notify(member)

    with django_capture_on_commit_callbacks(execute=True):
        delivery.schedule([n.pk, n.pk])
        delivery.schedule([n.pk])
    assert delivery.deliver(n.pk) == "not pending"

    assert len(push_service.received) == 1
    assert state(n) == SENT


def test_a_claim_succeeds_once(member: Any, reply_kind: Any) -> None:
    n = notify(member)
    assert actions.claim(n.pk) is True
    assert actions.claim(n.pk) is False
    assert state(n) == SENDING


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_removed(
    member: Any, push_service: PushEndpoint, reply_kind: Any, caplog: Any, status: int
) -> None:
    gone = subscribe(member, push_service, "old-phone", answers=(status,))
    kept = subscribe(member, push_service, "laptop")
    n = notify(member)

    with caplog.at_level(logging.WARNING, logger="townhall.notifications.push"):
        assert delivery.deliver(n.pk) == SENT

    assert not PushSubscription.objects.filter(pk=gone.pk).exists()
    assert PushSubscription.objects.filter(pk=kept.pk).exists()
    assert f"device {gone.pk} removed: its push service answered {status}" in caplog.text
    assert len(push_service.received) == 2  # tried once each, never again


def test_when_the_only_device_is_gone_the_push_failed(
    member: Any, push_service: PushEndpoint, reply_kind: Any
) -> None:
    subscribe(member, push_service, "old-phone", answers=(410,))
    n = notify(member)
    assert delivery.deliver(n.pk) == FAILED
    assert state(n) == FAILED
    assert not PushSubscription.objects.filter(user=member).exists()


def test_server_errors_are_retried_until_delivered(
    member: Any, push_service: PushEndpoint, reply_kind: Any
) -> None:
    device = subscribe(member, push_service, "phone", answers=(500, 503, 429))
    n = notify(member)

    delivery.send_pushes.call([n.pk])  # inline tasks: each retry runs at once

    assert [r.status for r in push_service.received] == [500, 503, 429, 201]
    assert len(push_service.payloads("phone")) == 1
    assert state(n) == SENT
    device.refresh_from_db()
    assert device.failures == 0 and device.last_success_at is not None


def test_a_retry_waits_with_backoff(
    member: Any, push_service: PushEndpoint, reply_kind: Any, deferred_tasks: Any
) -> None:
    subscribe(member, push_service, "phone", answers=(500,))
    healthy = subscribe(member, push_service, "laptop")
    n = notify(member)

    before = timezone.now()
    assert delivery.deliver(n.pk) == SENDING

    (retry,) = [r for r in deferred_tasks.results if r.task.name == "retry_pushes"]
    assert timedelta(seconds=23) <= retry.task.run_after - before <= timedelta(seconds=37)
    notification_id, device_ids, attempt, delivered = retry.args
    assert (notification_id, attempt, delivered) == (n.pk, 2, True)
    assert healthy.pk not in device_ids  # only the device that failed is tried again

    assert delivery.retry_pushes.call(*retry.args) == SENT
    assert len(push_service.payloads("phone")) == 1 and len(push_service.payloads("laptop")) == 1
    assert state(n) == SENT


def test_backoff_grows_and_honours_retry_after() -> None:
    assert delivery.backoff(1, "120") == timedelta(seconds=120)
    assert delivery.backoff(1, "999999") == timedelta(seconds=delivery.RETRY_AFTER_MAX)
    assert timedelta(seconds=24) <= delivery.backoff(1) <= timedelta(seconds=36)
    assert (
        timedelta(seconds=96)
        <= delivery.backoff(2, "Wed, 21 Oct 2026 07:28:00 GMT")
        <= timedelta(seconds=144)
    )
    assert delivery.backoff(4) > delivery.backoff(3)


def test_after_the_last_attempt_the_push_failed(
    member: Any, push_service: PushEndpoint, reply_kind: Any, caplog: Any
) -> None:
    subscribe(member, push_service, "phone", answers=(500,) * delivery.MAX_ATTEMPTS)
    n = notify(member)
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.push"):
        delivery.send_pushes.call([n.pk])
    assert len(push_service.received) == delivery.MAX_ATTEMPTS
    assert state(n) == FAILED
    assert f"notification {n.pk} reached no device after {delivery.MAX_ATTEMPTS} attempt(s)" in caplog.text
    assert PushSubscription.objects.get(user=member).failures == delivery.MAX_ATTEMPTS


def test_a_device_that_does_not_answer_holds_back_no_other(
    settings: Any, member: Any, push_service: PushEndpoint, reply_kind: Any, deferred_tasks: Any
) -> None:
    settings.PUSH_TIMEOUT = 2
    slow = subscribe(member, push_service, "slow-phone", delay=5)  # subscribed first: it would go first
    fast = [subscribe(member, push_service, f"laptop-{i}") for i in range(3)]
    n = notify(member)

    started = time.monotonic()
    assert delivery.deliver(n.pk) == SENDING
    took = time.monotonic() - started

    assert took < 4  # one timeout, not one per device
    for device in fast:
        name = device.endpoint.rsplit("/", 1)[-1]
        (arrived,) = [r for r in push_service.received if r.device == name]
        assert arrived.at - started < 1.5  # before the slow one's timeout, not after it
    (retry,) = [r for r in deferred_tasks.results if r.task.name == "retry_pushes"]
    assert retry.args[1] == [slow.pk]


def test_an_unsupported_answer_is_that_devices_failure_without_retry(
    member: Any, push_service: PushEndpoint, reply_kind: Any
) -> None:
    subscribe(member, push_service, "phone", answers=(413,))
    n = notify(member)
    assert delivery.deliver(n.pk) == FAILED
    assert len(push_service.received) == 1


# --- permission and preferences at delivery ----------------------------------------------------------
def _left_the_space(member: Any, n: Notification) -> None:
    SpaceMembership.objects.filter(user=member).delete()


def _banned(member: Any, n: Notification) -> None:
    Membership.objects.filter(user=member).update(state=Membership.BANNED)


def _post_deleted(member: Any, n: Notification) -> None:
    Notification.objects.filter(pk=n.pk).update(data={**n.data, "hidden": True})


def _account_closed(member: Any, n: Notification) -> None:
    type(member).objects.filter(pk=member.pk).update(is_active=False)


def _kind_removed(member: Any, n: Notification) -> None:
    Notification.objects.filter(pk=n.pk).update(kind="a-kind-no-app-declares")


def _read_in_the_page(member: Any, n: Notification) -> None:
    Notification.objects.filter(pk=n.pk).update(read_at=timezone.now())


@pytest.mark.parametrize(
    "lose", [_left_the_space, _banned, _post_deleted, _account_closed, _kind_removed, _read_in_the_page]
)
def test_nothing_is_pushed_about_what_the_member_may_no_longer_see(
    member: Any, push_service: PushEndpoint, reply_kind: Any, lose: Any, caplog: Any
) -> None:
    space = testing.make_space("Darkroom", visibility=Space.PRIVATE, members=[member])
    subscribe(member, push_service, "phone")
    n = notify(member, space=space)
    lose(member, n)

    with caplog.at_level(logging.INFO, logger="townhall.notifications.push"):
        assert delivery.deliver(n.pk) == CANCELLED

    assert push_service.received == []
    assert state(n) == CANCELLED
    assert f"notification {n.pk} cancelled" in caplog.text


def test_a_retry_is_dropped_when_permission_went_meanwhile(
    member: Any, push_service: PushEndpoint, reply_kind: Any, deferred_tasks: Any
) -> None:
    space = testing.make_space("Darkroom", visibility=Space.PRIVATE, members=[member])
    subscribe(member, push_service, "phone", answers=(503,))
    n = notify(member, space=space)
    assert delivery.deliver(n.pk) == SENDING
    (retry,) = deferred_tasks.results
    SpaceMembership.objects.filter(user=member).delete()

    assert delivery.retry_pushes.call(*retry.args) == CANCELLED
    assert len(push_service.received) == 1  # only the first, refused, attempt
    assert state(n) == CANCELLED


def test_nothing_is_pushed_without_a_device(member: Any, reply_kind: Any, vapid_keys: str) -> None:
    n = notify(member)
    assert delivery.deliver(n.pk) == CANCELLED


def test_a_pause_skips_the_push(member: Any, push_service: PushEndpoint, reply_kind: Any) -> None:
    subscribe(member, push_service, "phone")
    Settings.objects.create(user=member, paused_until=timezone.now() + timedelta(days=1))
    n = notify(member)
    assert delivery.deliver(n.pk) == CANCELLED
    assert push_service.received == []
    assert state(n) == CANCELLED


def test_quiet_hours_defer_the_push_to_their_end(
    member: Any, push_service: PushEndpoint, reply_kind: Any, deferred_tasks: Any
) -> None:
    type(member).objects.filter(pk=member.pk).update(time_zone="Europe/Lisbon")
    subscribe(member, push_service, "phone")
    Settings.objects.create(user=member, quiet_from=clock(22, 0), quiet_until=clock(7, 30))
    n = notify(member)
    late_evening = timezone.datetime(2026, 7, 1, 22, 15, tzinfo=timezone.UTC)  # 23:15 in Lisbon (summer)

    assert delivery.deliver(n.pk, now=late_evening) == "held"

    assert state(n) == PENDING
    (later,) = deferred_tasks.results
    assert later.task.name == "send_pushes" and later.args == [[n.pk]]
    assert later.task.run_after == timezone.datetime(2026, 7, 2, 6, 30, tzinfo=timezone.UTC)  # 07:30 Lisbon
    assert push_service.received == []
    # Once quiet hours are over, it goes.
    assert delivery.deliver(n.pk, now=timezone.datetime(2026, 7, 2, 6, 31, tzinfo=timezone.UTC)) == SENT


def test_schedule_hands_over_in_batches(
    member: Any, reply_kind: Any, deferred_tasks: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        delivery.schedule(list(range(1, 251)))
    batches = [r.args[0] for r in deferred_tasks.results]
    assert [len(b) for b in batches] == [100, 100, 50]
