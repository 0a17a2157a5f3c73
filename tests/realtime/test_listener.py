"""The `realtime` listener: every event that changes what someone may read asks the right open streams
to re-subscribe, after the commit and never before it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.accounts.events import AccountDeleted
from townhall.community import actions as community_actions
from townhall.community.events import GroupMembershipChanged, StandingChanged
from townhall.community.models import Membership
from townhall.core import effects
from townhall.policy import Guardian
from townhall.realtime import publish as realtime_publish
from townhall.realtime.publish import ALL_STREAMS, RESUBSCRIBE, space_group, user_group
from townhall.realtime.subscriptions import readable_space_groups
from townhall.spaces import actions as space_actions
from townhall.spaces.events import SpaceChanged, SpaceCreated, SpaceMembershipChanged
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def _subclasses(klass: type) -> set[type]:
    found = set()
    for sub in klass.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_access_event_reaches_the_realtime_listener() -> None:
    events = _subclasses(effects.AccessChanged)
    assert {
        SpaceChanged,
        SpaceCreated,
        SpaceMembershipChanged,
        StandingChanged,
        GroupMembershipChanged,
        AccountDeleted,
    } <= events
    for event in events:
        assert "realtime" in {consumer.name for consumer in effects.consumers_of(event)}, event


class Listening:
    """Stands in for the channel layer and keeps the control messages sent to groups."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((group, message))

    def asked(self) -> set[str]:
        """The groups whose streams were asked to re-subscribe since the last call."""
        found = set()
        for group, message in self.sent:
            if message["type"] == RESUBSCRIBE:
                assert message == {"type": RESUBSCRIBE}  # nothing a stream could be tempted to trust
                found.add(group)
        self.sent.clear()
        return found


def test_who_is_asked_to_resubscribe(
    admin: Any,
    moderator: Any,
    member: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    group = testing.make_group("Mentors")
    space = testing.make_space("Gear talk", visibility=Space.MEMBERS)
    listening = Listening()
    monkeypatch.setattr(realtime_publish, "get_channel_layer", lambda: listening)
    mine = user_group(member.pk)

    def settings(**changes: Any) -> None:
        values = {
            "name": space.name,
            "description": space.description,
            "icon": space.icon,
            "visibility": space.visibility,
            "posting": space.posting,
            "group": None,
            "section": None,
        }
        space_actions.update_space(Guardian(admin), space, **{**values, **changes})

    cases: list[tuple[str, Any, set[str]]] = [
        ("renamed", lambda: settings(name="Gear chat"), set()),
        ("archived", lambda: space_actions.archive_space(Guardian(admin), space), set()),
        ("unarchived", lambda: space_actions.unarchive_space(Guardian(admin), space), set()),
        ("turned private", lambda: settings(visibility=Space.PRIVATE), {ALL_STREAMS}),
        ("given a group", lambda: settings(visibility=Space.PRIVATE, group=group), {ALL_STREAMS}),
        ("created", lambda: space_actions.create_space(Guardian(admin), name="Comets"), {ALL_STREAMS}),
        (
            "joined",
            lambda: space_actions.join_space(Guardian(member), Space.objects.get(name="Comets")),
            {mine},
        ),
        (
            "left",
            lambda: space_actions.leave_space(Guardian(member), Space.objects.get(name="Comets")),
            {mine},
        ),
        ("added", lambda: community_actions.add_group_member(Guardian(admin), group, user=member), {mine}),
        (
            "removed",
            lambda: community_actions.remove_group_member(Guardian(admin), group, user=member),
            {mine},
        ),
        ("group deleted", lambda: community_actions.delete_group(Guardian(admin), group), {ALL_STREAMS}),
        (
            "suspended",
            lambda: community_actions.suspend_member(
                Guardian(moderator), Membership.objects.get(user=member)
            ),
            {mine},
        ),
        (
            "role",
            lambda: community_actions.set_member_role(
                Guardian(admin), Membership.objects.get(user=moderator), role=Membership.MEMBER
            ),
            {user_group(moderator.pk)},
        ),
        (
            "banned",
            lambda: community_actions.ban_member(Guardian(admin), Membership.objects.get(user=member)),
            {mine},
        ),
    ]
    for name, change, expected in cases:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            change()
        assert listening.asked() == set(), f"{name}: asked before the commit"
        for callback in callbacks:
            callback()
        assert listening.asked() == expected, name


@pytest.mark.parametrize("persona", ["admin", "moderator", "member", "suspended", "banned", "outsider"])
def test_a_stream_recomputes_with_a_fixed_number_of_queries(
    persona: str, request: pytest.FixtureRequest
) -> None:
    """What one affected stream costs: at most five queries, however many spaces and memberships."""
    person = request.getfixturevalue(persona)
    group = testing.make_group("Mentors", members=[person])
    for n in range(30):
        visibility = (Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET)[n % 4]
        testing.make_space(
            visibility=visibility, members=[person] if n % 3 else [], group=group if n % 5 else None
        )
    with CaptureQueriesContext(connection) as queries:
        groups = readable_space_groups(person.pk)
    readable = Guardian(person).spaces.readable(Space.objects.all()).values_list("pk", flat=True)
    assert groups == {space_group(pk) for pk in readable}
    assert len(queries) <= 5, [q["sql"] for q in queries]
