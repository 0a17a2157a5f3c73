"""Who may see and act on a notification: its recipient only, while they may still read what it is
about; who may change notification choices. Written once in policy/notifications.py, asked three ways,
and the SQL filter (`visible`) agrees with the rule."""

from __future__ import annotations

from typing import Any

import pytest
from notify_testing import CHECKED, notify

import factories as testing
from townhall.core.errors import NotFound
from townhall.notifications.models import Notification
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds")]

PERSONAS = ["owner", "admin", "moderator", "member", "newcomer", "pending", "suspended", "banned", "outsider"]


@pytest.mark.parametrize(
    ("persona", "own", "others"),
    [(p, p != "banned", False) for p in PERSONAS],
)
def test_only_the_recipient_sees_a_notification(
    request: Any, ana: Any, persona: str, own: bool, others: bool
) -> None:
    person = request.getfixturevalue(persona)
    mine = notify(person, actor=ana)
    theirs = notify(ana, actor=person)
    g = Guardian(person)
    assert g.notifications.see.can(mine) is own
    assert g.notifications.see.can(theirs) is others
    assert g.notifications.see(theirs) is not None and g.notifications.see(theirs).hidden  # type: ignore[union-attr]
    # Marking one's own read is always allowed (harmless); someone else's is unseen, a 404.
    assert g.notifications.act_on.can(mine)
    with pytest.raises(NotFound):
        g.notifications.act_on.ensure(theirs)


def test_visitors_have_no_notifications(ana: Any) -> None:
    row = notify(ana)
    g = Guardian(None)
    assert not g.notifications.see.can(row)
    assert not g.notifications.visible(Notification.objects.all()).exists()
    assert g.notifications.change_settings.reason() == "Sign in first."


@pytest.mark.parametrize(
    ("persona", "refusal"),
    [
        ("owner", None),
        ("member", None),
        ("newcomer", None),
        ("pending", None),
        ("suspended", None),
        ("outsider", None),
        ("banned", "You have been banned from this community."),
    ],
)
def test_who_may_change_their_choices(request: Any, persona: str, refusal: str | None) -> None:
    assert Guardian(request.getfixturevalue(persona)).notifications.change_settings.reason() == refusal


@pytest.mark.parametrize(
    ("visibility", "seen_by"),
    [
        (
            Space.PUBLIC,
            {"owner", "admin", "moderator", "member", "newcomer", "pending", "suspended", "outsider"},
        ),
        (Space.MEMBERS, {"owner", "admin", "moderator", "member", "newcomer", "suspended"}),
        (Space.PRIVATE, {"owner", "admin", "moderator", "member"}),
        (Space.SECRET, {"owner", "admin", "member"}),
    ],
)
def test_a_notification_about_a_space_follows_who_may_read_it(
    request: Any, ana: Any, visibility: str, seen_by: set[str]
) -> None:
    people = {p: request.getfixturevalue(p) for p in PERSONAS}
    space = testing.make_space(f"Dome {visibility}", visibility=visibility, members=[people["member"]])
    for name, person in people.items():
        row = notify(person, actor=ana, space=space)
        g = Guardian(person)
        assert g.notifications.see.can(row) is (name in seen_by), name
        # The SQL filter agrees with the rule, row by row.
        listed = g.notifications.visible(Notification.objects.filter(pk=row.pk)).exists()
        assert listed is (name in seen_by), name


def test_leaving_a_private_space_hides_its_notifications(member: Any, ana: Any, observatory: Space) -> None:
    row = notify(member, actor=ana, space=observatory, title="Secret comet plans")
    assert Guardian(member).notifications.see.can(row)
    SpaceMembership.objects.filter(space=observatory, user=member).delete()
    g = Guardian(member)
    assert not g.notifications.see.can(row)
    assert not g.notifications.visible(Notification.objects.all()).exists()


def test_a_kind_may_turn_a_notification_away_at_delivery(member: Any, ana: Any) -> None:
    kept = notify(member, kind=CHECKED.key, actor=ana)
    gone = notify(member, kind=CHECKED.key, actor=ana, data={"gone": True})
    g = Guardian(member)
    assert g.notifications.see.can(kept)
    assert not g.notifications.see.can(gone)
    assert g.notifications.passes_kind_checks(kept) and not g.notifications.passes_kind_checks(gone)


def test_a_notification_of_a_kind_no_longer_declared_is_still_seen(member: Any) -> None:
    row = notify(member, kind="from-a-removed-app")
    assert Guardian(member).notifications.see.can(row)
