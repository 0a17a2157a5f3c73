"""Who reads which rows of the Activity log: the verb's declared audience and the row's space decide."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.activity.log import record_activity
from townhall.activity.models import Activity
from townhall.activity.payloads import Fields, Person, Via
from townhall.community.events import SuspendedData
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(owner: Any, member: Any, moderator: Any, outsider: Any) -> dict[str, int]:
    public = testing.make_space("Open", visibility=Space.PUBLIC)
    private = testing.make_space("Inner", visibility=Space.PRIVATE, moderators=[member])
    secret = testing.make_space("Hush", visibility=Space.SECRET)
    made = {
        "public joined": record_activity(owner, "space.joined", public, space_id=public.pk, data=Via("join")),
        "private joined": record_activity(
            owner, "space.joined", private, space_id=private.pk, data=Via("join")
        ),
        "secret joined": record_activity(owner, "space.joined", secret, space_id=secret.pk, data=Via("join")),
        "private request": record_activity(owner, "space.join_requested", private, space_id=private.pk),
        "secret request": record_activity(owner, "space.join_requested", secret, space_id=secret.pk),
        "suspension": record_activity(
            moderator, "member.suspended", owner.membership, data=SuspendedData(None)
        ),
        "group joined": record_activity(
            owner, "group.member_added", owner.membership, data=Person(member.pk)
        ),
        "own profile": record_activity(member, "profile.updated", member, data=Fields(["bio"])),
        "other profile": record_activity(owner, "profile.updated", owner, data=Fields(["bio"])),
    }
    return {name: row.pk for name, row in made.items()}


EXPECTED = {
    "owner": {
        "public joined", "private joined", "secret joined", "private request", "secret request", "suspension",
        "group joined", "own profile", "other profile",
    },
    # A community moderator: space rows where they read, every moderators' row, no one's private rows.
    "moderator": {"public joined", "private joined", "private request", "secret request", "suspension", "group joined"},
    # `member` moderates the private space: its requests, but not the secret one's.
    "member": {"public joined", "private joined", "private request", "group joined", "own profile"},
    "outsider": {"public joined"},
    "anonymous": {"public joined"},
}  # fmt: skip


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_visible_activities(request: Any, rows: dict[str, int], persona: str) -> None:
    person = None if persona == "anonymous" else request.getfixturevalue(persona)
    visible = set(Guardian(person).activity.visible(Activity.objects.all()).values_list("pk", flat=True))
    assert {name for name, pk in rows.items() if pk in visible} == EXPECTED[persona]
