"""What the centre and the badge show: the member's own notifications about what they may still read,
newest first, filtered and paginated in a fixed number of queries; the text of each, escaped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from notify_testing import CHECKED, MENTION, REACTION, notify

import factories as testing
from townhall.core.errors import Invalid
from townhall.core.pagination import BadCursor
from townhall.notifications import queries
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds")]


def texts(page: queries.NotificationPage) -> list[str]:
    return [entry.text for entry in page.items]


def test_newest_first_and_only_ones_own(member: Any, ana: Any, newcomer: Any) -> None:
    start = timezone.now() - timedelta(hours=3)
    notify(member, actor=ana, title="First light", when=start)
    notify(member, actor=ana, title="Second light", when=start + timedelta(hours=1))
    notify(newcomer, actor=ana, title="Not for Max")
    page = queries.list_notifications(Guardian(member))
    assert texts(page) == ["Ana Aperture replied to Second light", "Ana Aperture replied to First light"]
    assert page.next_cursor is None


def test_a_regrouped_notification_moves_to_the_top(member: Any, ana: Any) -> None:
    old = timezone.now() - timedelta(days=1)
    grouped = notify(member, kind=REACTION.key, actor=ana, title="M31", when=old, actor_count=5)
    notify(member, actor=ana, title="Later reply", when=old + timedelta(hours=1))
    grouped.updated_at = timezone.now()
    grouped.save()
    assert (
        texts(queries.list_notifications(Guardian(member)))[0] == "Ana Aperture and 4 others reacted to M31"
    )


def test_filters_unread_and_mentions(member: Any, ana: Any) -> None:
    notify(member, actor=ana, title="Read reply", read=True)
    notify(member, actor=ana, title="New reply")
    notify(member, kind=MENTION.key, actor=ana, title="Meteor watch", read=True)
    g = Guardian(member)
    assert texts(queries.list_notifications(g, filter="unread")) == ["Ana Aperture replied to New reply"]
    assert texts(queries.list_notifications(g, filter="mentions")) == [
        "Ana Aperture mentioned you in Meteor watch"
    ]
    assert len(queries.list_notifications(g, filter="all").items) == 3
    with pytest.raises(Invalid, match=r"Choose all, unread or mentions\."):
        queries.list_notifications(g, filter="everything")


def test_pages_follow_each_other_without_gaps_or_repeats(member: Any, ana: Any) -> None:
    start = timezone.now() - timedelta(days=1)
    for i in range(7):
        notify(member, actor=ana, title=f"Post {i}", when=start + timedelta(minutes=i))
    g = Guardian(member)
    seen: list[str] = []
    cursor = None
    while True:
        page = queries.list_notifications(g, cursor=cursor, limit=3)
        seen += texts(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"Ana Aperture replied to Post {i}" for i in reversed(range(7))]
    with pytest.raises(BadCursor):
        queries.list_notifications(g, cursor="not-a-cursor")


@pytest.mark.parametrize("size", [2, 25])
def test_the_list_is_one_query_whatever_its_length(member: Any, observatory: Space, size: int) -> None:
    actors = [testing.make_member(f"actor{size}x{i}", display_name=f"Actor {i}") for i in range(size)]
    for i, actor in enumerate(actors):
        notify(member, actor=actor, space=observatory if i % 2 else None)
    g = Guardian(member)
    g.spaces.readable(Space.objects.all()).exists()  # the Guardian's standing, loaded once per request
    g.membership
    with CaptureQueriesContext(connection) as captured:
        page = queries.list_notifications(g)
        rendered = [
            (entry.html, entry.notification.space and entry.notification.space.name) for entry in page.items
        ]
    assert len(rendered) == size
    assert len(captured) == 1, [q["sql"] for q in captured.captured_queries]


def test_the_unread_count_is_one_query_and_caps(member: Any, ana: Any) -> None:
    g = Guardian(member)
    g.spaces.readable(Space.objects.all()).exists()
    g.membership
    notify(member, actor=ana, read=True)
    for _ in range(3):
        notify(member, actor=ana)
    with CaptureQueriesContext(connection) as captured:
        assert queries.unread_count(g) == 3
    assert len(captured) == 1
    for _ in range(queries.COUNT_CAP):
        notify(member, actor=ana)
    assert queries.unread_count(g) == queries.COUNT_CAP + 1  # shown as "99+"
    assert queries.unread_count(Guardian(None)) == 0


def test_what_the_member_can_no_longer_read_leaves_the_list_and_the_count(
    member: Any, ana: Any, observatory: Space
) -> None:
    notify(member, actor=ana, space=observatory, title="Secret comet plans")
    notify(member, actor=ana, title="Public reply")
    notify(member, kind=CHECKED.key, actor=ana, title="Removed post", data={"gone": True})
    notify(member, kind=CHECKED.key, actor=ana, title="Kept post")
    g = Guardian(member)
    assert queries.unread_count(g) == 3
    assert "Ana Aperture replied to Secret comet plans" in texts(queries.list_notifications(g))
    SpaceMembership.objects.filter(space=observatory, user=member).delete()
    g = Guardian(member)
    shown = texts(queries.list_notifications(g))
    assert shown == ["Ana Aperture wrote in Kept post", "Ana Aperture replied to Public reply"]
    assert queries.unread_count(g) == 2


# --- the text -----------------------------------------------------------------------------------------
def test_every_value_is_escaped_and_names_are_bold(member: Any) -> None:
    villain = testing.make_member("eve", display_name="<script>alert(1)</script>")
    row = notify(member, actor=villain, title='<img src=x onerror="alert(2)">')
    entry = queries.item(row)
    assert entry.text == '<script>alert(1)</script> replied to <img src=x onerror="alert(2)">'
    assert str(entry.html) == (
        "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong> replied to "
        "<strong>&lt;img src=x onerror=&quot;alert(2)&quot;&gt;</strong>"
    )


@pytest.mark.parametrize(("count", "phrase"), [(1, ""), (2, " and 1 other"), (5, " and 4 others")])
def test_others(member: Any, ana: Any, count: int, phrase: str) -> None:
    row = notify(member, kind=REACTION.key, actor=ana, title="M42", actor_count=count)
    assert queries.render_text(row) == f"Ana Aperture{phrase} reacted to M42"


def test_a_deleted_actor_reads_as_someone(member: Any) -> None:
    assert queries.render_text(notify(member, title="Orion")) == "Someone replied to Orion"


def test_an_unknown_kind_reads_generically(member: Any, ana: Any) -> None:
    titled = queries.item(notify(member, kind="from-a-removed-app", actor=ana, title="Eclipse trip"))
    assert titled.text == "Ana Aperture: Eclipse trip"
    assert titled.kind.icon == "🔔" and not titled.known_kind
    bare = notify(member, kind="from-a-removed-app", actor=ana, data={"title": ""})
    assert queries.render_text(bare) == "Ana Aperture sent you a notification"


def test_odd_fields_read_as_nothing_rather_than_failing(member: Any, ana: Any) -> None:
    from notify_testing import declared_kinds

    from townhall.notifications.kinds import Kind

    odd = Kind(key="test-odd", label="Odd", icon="?", text="{actor.email} {missing} {title[0]} {count}!")
    broken = Kind(key="test-broken", label="Broken", icon="?", text="{actor replied")
    with declared_kinds(odd, broken):
        row = notify(member, kind="test-odd", actor=ana, data={"count": 3, "nested": {"a": 1}})
        assert queries.render_text(row) == "   3!"
        assert queries.render_text(notify(member, kind="test-broken", actor=ana)) == "{actor replied"
