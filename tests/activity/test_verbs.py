"""The Activity log takes only declared verbs with their declared payloads, and nothing too large."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from townhall.activity import verbs
from townhall.activity.log import PAYLOAD_MAX_BYTES, ROW_COLUMNS, activity_row, record_activity
from townhall.activity.models import Activity
from townhall.activity.payloads import Fields, Name
from townhall.core.bulkinsert import JsonText, insert_rows

pytestmark = pytest.mark.django_db


def test_every_app_declares_its_verbs() -> None:
    names = {verb.name for verb in verbs.all_verbs()}
    for expected in ("community.joined", "space.joined", "topic.created", "post.created", "profile.updated"):
        assert expected in names


def test_a_declared_verb_is_recorded_with_its_payload(member: Any) -> None:
    row = record_activity(member, "profile.updated", member, data=Fields(["bio"]))
    assert Activity.objects.get(pk=row.pk).data == {"fields": ["bio"]}
    assert row.target_type == "accounts.user" and row.target_id == member.pk


def test_an_undeclared_verb_is_an_error(member: Any) -> None:
    with pytest.raises(verbs.UnknownVerb, match="not declared"):
        record_activity(member, "profile.teleported", member)
    assert not Activity.objects.exists()


def test_a_payload_of_the_wrong_type_is_an_error(member: Any) -> None:
    with pytest.raises(verbs.BadPayload, match="takes a Fields"):
        record_activity(member, "profile.updated", member, data=Name("x"))
    with pytest.raises(verbs.BadPayload, match="takes no payload"):
        record_activity(member, "profile.avatar_set", member, data=Fields([]))
    with pytest.raises(verbs.BadPayload):
        record_activity(member, "profile.updated", member, data={"fields": ["bio"]})


def test_an_oversized_payload_is_an_error_not_a_truncation(member: Any) -> None:
    with pytest.raises(verbs.BadPayload, match="bytes"):
        record_activity(member, "profile.updated", member, data=Fields(["x" * PAYLOAD_MAX_BYTES]))
    assert not Activity.objects.exists()


def test_declaring_a_verb_twice_differently_is_an_error() -> None:
    @dataclass(frozen=True)
    class Other:
        n: int

    verbs.register([verbs.Verb("test.thing", Other)])
    verbs.register([verbs.Verb("test.thing", Other)])  # the same again is fine (a reloaded ready())
    with pytest.raises(ValueError, match="twice"):
        verbs.register([verbs.Verb("test.thing", Name)])


@pytest.mark.parametrize("name", ["", "nodot", "x." + "y" * 80])
def test_badly_named_verbs_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        verbs.Verb(name)


def test_a_verb_needs_a_dataclass_payload_and_a_known_audience() -> None:
    with pytest.raises(TypeError):
        verbs.Verb("test.plain", dict)
    with pytest.raises(ValueError):
        verbs.Verb("test.loud", audience="everyone")


def test_bulk_rows_store_the_payload_they_measured(member: Any) -> None:
    """activity_row keeps the JSON text it measured and the bulk insert stores that text as it is:
    the same data as record_activity, not a string encoded twice."""
    row = activity_row(
        member.pk, "profile.updated", "accounts.user", member.pk, space_id=None,
        data=Fields(["bio", "ünïcode ✓"]), at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
    )  # fmt: skip
    assert isinstance(row[5], JsonText)
    insert_rows(Activity, ROW_COLUMNS, [row])
    stored = Activity.objects.get()
    assert stored.data == {"fields": ["bio", "ünïcode ✓"]}
    with pytest.raises(verbs.BadPayload, match="bytes"):
        activity_row(
            member.pk, "profile.updated", "accounts.user", member.pk, space_id=None,
            data=Fields(["x" * PAYLOAD_MAX_BYTES]), at=datetime(2024, 5, 1, tzinfo=UTC),
        )  # fmt: skip
