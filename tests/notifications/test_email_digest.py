"""The daily or weekly digest: new and busy topics in the spaces a member follows, permission-checked
for them, once per period, and nothing when nothing happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from notify_email_testing import REPLY_DOMAIN, notify, reply_kind  # noqa: F401

import factories as testing
from townhall.discussions import actions
from townhall.discussions.models import MUTED, SpaceFollow, Topic
from townhall.notifications.email import digest, tasks
from townhall.notifications.models import DIGEST_DAILY, DIGEST_WEEKLY, Settings
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.usefixtures("reply_kind")


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = REPLY_DOMAIN
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Astro")


@pytest.fixture
def gear(member: Any, ana: Any) -> Space:
    return testing.make_space("Gear talk", members=[member, ana])


def topic(author: Any, space: Space, title: str) -> Topic:
    return actions.create_topic(Guardian(author), space, title=title, body="What do you think?")


def chose(user: Any, choice: str, *, last: dt.datetime | None) -> Settings:
    return Settings.objects.create(user=user, digest=choice, last_digest_at=last)


def test_a_daily_digest_lists_new_and_busy_topics_in_followed_spaces(
    member: Any, ana: Any, gear: Space, outbox: Any
) -> None:
    old = topic(ana, gear, "Dew heaters that last all night")
    Topic.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=1, minutes=5))
    fresh = topic(ana, gear, "Which lens for the Milky Way?")
    for text in ("Battery packs", "USB heaters", "A hairdryer, once"):
        actions.create_post(Guardian(ana), old, body=text)
    assert digest.send_due_digests() == 1
    [message] = outbox.to(member.email)
    assert message["Subject"] == "[Night Sky Collective] Your daily digest"
    text = outbox.body(message)
    assert "New topics" in text and "- Which lens for the Milky Way? (in Gear talk · by Ana Astro)" in text
    assert fresh.get_absolute_url() in text
    assert "Busy topics" in text and "Dew heaters that last all night (in Gear talk · 3 new replies)" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_never_two_digests_for_one_period(member: Any, ana: Any, gear: Space, outbox: Any) -> None:
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    topic(ana, gear, "Star party on Saturday")
    assert digest.send_due_digests() == 1
    assert digest.send_due_digests() == 0
    tasks.run_tick(now=timezone.now() + dt.timedelta(hours=3))
    assert len(outbox) == 1


def test_a_stale_claim_is_not_sent_by_a_second_worker(
    member: Any, ana: Any, gear: Space, outbox: Any
) -> None:
    row = chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    topic(ana, gear, "Star party on Saturday")
    now = timezone.now()
    assert digest.send_digest(row, now=now) is True
    assert digest.send_digest(row, now=now) is False  # the same row, read before the first claim
    assert len(outbox) == 1


def test_a_weekly_digest_waits_a_week(member: Any, ana: Any, gear: Space, outbox: Any) -> None:
    chose(member, DIGEST_WEEKLY, last=timezone.now() - dt.timedelta(days=2))
    topic(ana, gear, "Star party on Saturday")
    assert digest.send_due_digests() == 0
    assert digest.send_due_digests(now=timezone.now() + dt.timedelta(days=5)) == 1
    assert "Your weekly digest" in outbox[0]["Subject"]


def test_nothing_happened_means_no_email(member: Any, gear: Space, outbox: Any) -> None:
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    assert digest.send_due_digests() == 0
    assert len(outbox) == 0
    assert Settings.objects.get(user=member).last_digest_at is not None  # the period is done all the same


def test_a_digest_never_names_what_the_member_may_not_read(
    member: Any, ana: Any, gear: Space, outbox: Any
) -> None:
    secret = testing.make_space("Moderators' room", visibility=Space.PRIVATE, members=[ana])
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    topic(ana, secret, "Banning the troll")
    topic(ana, gear, "Collimation tips")
    digest.send_due_digests()
    text = outbox.body(outbox[0])
    assert "Collimation tips" in text and "Banning the troll" not in text


def test_a_muted_space_is_left_out(member: Any, ana: Any, gear: Space, outbox: Any) -> None:
    SpaceFollow.objects.create(user=member, space=gear, level=MUTED)
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    topic(ana, gear, "Collimation tips")
    assert digest.send_due_digests() == 0


def test_unread_notifications_of_digest_kinds_come_first(
    member: Any, ana: Any, gear: Space, outbox: Any
) -> None:
    chose(member, DIGEST_DAILY, last=timezone.now() - dt.timedelta(days=2))
    notify(member, actor=ana, title="Your Orion photo")
    digest.send_due_digests()
    text = outbox.body(outbox[0])
    assert "For you" in text and "Ana Astro replied to Your Orion photo" in text


def test_smtp_down_keeps_the_digest_for_the_next_tick(
    settings: Any, member: Any, ana: Any, gear: Space, outbox: Any
) -> None:
    last = timezone.now() - dt.timedelta(days=2)
    chose(member, DIGEST_DAILY, last=last)
    topic(ana, gear, "Collimation tips")
    mailers = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 8634, "timeout": 3}}}  # fmt: skip
    assert digest.send_due_digests() == 0
    assert Settings.objects.get(user=member).last_digest_at == last
    settings.MAILERS = mailers
    assert digest.send_due_digests() == 1
    assert len(outbox) == 1


def test_no_digest_for_someone_who_turned_it_off_or_was_banned(
    member: Any, ana: Any, gear: Space, banned: Any, outbox: Any
) -> None:
    chose(member, "off", last=None)
    chose(banned, DIGEST_DAILY, last=None)
    topic(ana, gear, "Collimation tips")
    assert digest.send_due_digests() == 0
    assert len(outbox) == 0


def test_the_digest_has_html_in_the_communitys_colours(
    member: Any, ana: Any, gear: Space, outbox: Any, community: Any
) -> None:
    community.accent_color = "#c2255c"
    community.save()
    chose(member, DIGEST_DAILY, last=None)
    topic(ana, gear, "Collimation tips")
    digest.send_due_digests()
    html = outbox[0].get_body(preferencelist=("html",)).get_content()
    assert "#c2255c" in html and "Collimation tips" in html and "prefers-color-scheme: dark" in html
