"""Marking read (one, all, by opening), choosing channels per kind, email delay, digest, quiet hours and
pausing: each way they succeed, what they tell the member's other tabs, and each way they fail."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from notify_testing import MENTION, REPLY, notify

from townhall.core.errors import Invalid, NotFound, PermissionDenied, RateLimited
from townhall.notifications import actions
from townhall.notifications.models import CANCELLED, EMAIL, PENDING, PUSH, SENT, WEB, Preference, Settings
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds")]


def read_broadcasts(
    broadcasts: list[tuple[list[str], dict[str, Any]]],
) -> list[tuple[list[str], dict[str, Any]]]:
    return [(groups, payload) for groups, payload in broadcasts if payload.get("type") == "notifications"]


# --- marking read -------------------------------------------------------------------------------------
def test_mark_read_tells_the_members_streams_once(
    member: Any, ana: Any, broadcasts: list[Any], committed: Any
) -> None:
    row = notify(member, actor=ana)
    with committed():
        assert actions.mark_read(Guardian(member), row) is True
    row.refresh_from_db()
    assert row.read_at is not None
    assert read_broadcasts(broadcasts) == [
        ([f"user.{member.pk}"], {"type": "notifications", "op": "read", "notification_id": row.pk})
    ]
    with committed():
        assert actions.mark_read(Guardian(member), row) is False  # already read: nothing to tell
    assert len(read_broadcasts(broadcasts)) == 1


def test_seeing_a_notification_cancels_its_waiting_email_only(member: Any, ana: Any) -> None:
    waiting = notify(member, actor=ana, email_state=PENDING)
    sent = notify(member, actor=ana, email_state=SENT)
    actions.mark_read(Guardian(member), waiting)
    actions.mark_read(Guardian(member), sent)
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert (waiting.email_state, sent.email_state) == (CANCELLED, SENT)


def test_nobody_marks_someone_elses_notification(member: Any, ana: Any, admin: Any) -> None:
    row = notify(ana, actor=member)
    for person in (member, admin):
        with pytest.raises(NotFound):
            actions.mark_read(Guardian(person), row)
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_and_mentions_only(
    member: Any, ana: Any, broadcasts: list[Any], committed: Any
) -> None:
    reply = notify(member, actor=ana)
    mention = notify(member, kind=MENTION.key, actor=ana, email_state=PENDING)
    theirs = notify(ana, actor=member)
    with committed():
        assert actions.mark_all_read(Guardian(member), filter="mentions") == 1
    mention.refresh_from_db()
    reply.refresh_from_db()
    assert mention.read_at is not None and mention.email_state == CANCELLED and reply.read_at is None
    with committed():
        assert actions.mark_all_read(Guardian(member)) == 1
        assert actions.mark_all_read(Guardian(member)) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    payloads = [payload for _groups, payload in read_broadcasts(broadcasts)]
    assert payloads == [{"type": "notifications", "op": "read", "notification_id": None}] * 2
    with pytest.raises(Invalid):
        actions.mark_all_read(Guardian(member), filter="some")


def test_opening_marks_read_and_leads_to_the_post(member: Any, ana: Any) -> None:
    row = notify(member, actor=ana, url="/t/12/#post-40")
    assert actions.open_notification(Guardian(member), row) == "/t/12/#post-40"
    row.refresh_from_db()
    assert row.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "t/1"])
def test_opening_never_leaves_the_site(member: Any, url: str) -> None:
    assert actions.open_notification(Guardian(member), notify(member, url=url)) == "/notifications/"


def test_what_the_member_can_no_longer_read_does_not_open(member: Any, ana: Any, observatory: Space) -> None:
    row = notify(member, actor=ana, space=observatory)
    SpaceMembership.objects.filter(space=observatory, user=member).delete()
    with pytest.raises(NotFound):
        actions.open_notification(Guardian(member), row)


def test_marking_read_is_rate_limited(member: Any, ana: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_READ_RATE = "2/m"
    rows = [notify(member, actor=ana) for _ in range(3)]
    actions.mark_read(Guardian(member), rows[0])
    actions.mark_read(Guardian(member), rows[1])
    with pytest.raises(RateLimited):
        actions.mark_read(Guardian(member), rows[2])
    # Following a link is never refused: past the limit it leads on and stays unread.
    assert actions.open_notification(Guardian(member), rows[2]) == rows[2].url
    rows[2].refresh_from_db()
    assert rows[2].read_at is None


# --- choices ------------------------------------------------------------------------------------------
def test_a_choice_differing_from_the_default_is_kept_and_one_equal_to_it_is_not(member: Any) -> None:
    g = Guardian(member)
    actions.set_preference(g, kind=REPLY.key, channel=EMAIL, enabled=False)  # on by default
    actions.set_preference(g, kind=REPLY.key, channel=PUSH, enabled=True)  # off by default
    rows = set(Preference.objects.filter(user=member).values_list("kind", "channel", "enabled"))
    assert rows == {(REPLY.key, EMAIL, False), (REPLY.key, PUSH, True)}
    actions.set_preference(g, kind=REPLY.key, channel=EMAIL, enabled=True)  # back to the default
    assert set(Preference.objects.filter(user=member).values_list("channel", flat=True)) == {PUSH}


@pytest.mark.parametrize(
    ("kind", "channel", "message"),
    [
        ("nonsense", EMAIL, "There is no notification kind called 'nonsense'."),
        (REPLY.key, "pigeon", "There is no channel called 'pigeon'; choose web, email or push."),
    ],
)
def test_unknown_kinds_and_channels_are_refused_and_nothing_is_saved(
    member: Any, kind: str, channel: str, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        actions.set_preferences(Guardian(member), choices=[(REPLY.key, WEB, False), (kind, channel, True)])
    assert refused.value.message == message
    assert not Preference.objects.exists()


def test_banned_members_change_nothing(banned: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.set_preference(Guardian(banned), kind=REPLY.key, channel=EMAIL, enabled=False)
    with pytest.raises(PermissionDenied):
        actions.snooze(Guardian(banned), until=timezone.now() + timedelta(days=1))


def test_settings_are_saved(member: Any) -> None:
    g = Guardian(member)
    actions.update_settings(
        g, email_delay_minutes=30, digest="weekly", quiet_from=time(22), quiet_until=time(7)
    )
    row = Settings.objects.get(user=member)
    assert (row.email_delay_minutes, row.digest, row.quiet_from, row.quiet_until) == (
        30,
        "weekly",
        time(22),
        time(7),
    )
    actions.update_settings(g, email_delay_minutes=0, digest="off", quiet_from=None, quiet_until=None)
    row.refresh_from_db()
    assert (row.email_delay_minutes, row.quiet_from) == (0, None)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email_delay_minutes": -1}, "email_delay_minutes", "Choose a delay between 0 and 1440 minutes."),
        ({"email_delay_minutes": 1441}, "email_delay_minutes", "Choose a delay between 0 and 1440 minutes."),
        ({"digest": "hourly"}, "digest", "Choose off, daily or weekly."),
        (
            {"quiet_from": time(22)},
            "quiet_until",
            "Give both the start and the end of your quiet hours, or neither.",
        ),
        (
            {"quiet_until": time(7)},
            "quiet_from",
            "Give both the start and the end of your quiet hours, or neither.",
        ),
        (
            {"quiet_from": time(7), "quiet_until": time(7)},
            "quiet_until",
            "Quiet hours must end at a different time than they start.",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_reason(
    member: Any, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {
        "email_delay_minutes": 10,
        "digest": "off",
        "quiet_from": None,
        "quiet_until": None,
    }
    with pytest.raises(Invalid) as refused:
        actions.update_settings(Guardian(member), **{**values, **fields})
    assert refused.value.message == message and refused.value.field_errors == {field: [message]}
    assert not Settings.objects.exists()


def test_pause_and_resume(member: Any) -> None:
    g = Guardian(member)
    until = timezone.now() + timedelta(days=1)
    assert actions.snooze(g, until=until).paused_until == until
    assert actions.snooze(g, until=actions.FOREVER).paused_until == actions.FOREVER
    assert actions.unsnooze(g).paused_until is None
    assert Settings.objects.get(user=member).paused_until is None


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (datetime(2020, 1, 1, tzinfo=UTC), "The pause must end in the future."),
        (datetime(2999, 1, 1, tzinfo=UTC), "Pause for at most a year, or until you resume."),
        (datetime(2999, 1, 1), "Give the pause's end with its time zone."),
    ],
)
def test_bad_pauses_are_refused(member: Any, until: datetime, message: str) -> None:
    with pytest.raises(Invalid, match=message.replace(".", r"\.")):
        actions.snooze(Guardian(member), until=until)
    assert not Settings.objects.exists()


def test_changing_settings_is_rate_limited(member: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_SETTINGS_RATE = "1/m"
    g = Guardian(member)
    actions.unsnooze(g)
    with pytest.raises(RateLimited):
        actions.set_preference(g, kind=REPLY.key, channel=EMAIL, enabled=False)
