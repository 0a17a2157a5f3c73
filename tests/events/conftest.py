from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.spaces.models import Space


@pytest.fixture
def host(community: Any) -> Any:
    """A member who hosts meetups."""
    return testing.make_member("hana", display_name="Hana Host")


@pytest.fixture
def space_moderator(community: Any) -> Any:
    return testing.make_member("sol", display_name="Sol Spacemod")


@pytest.fixture
def calendar(member: Any, newcomer: Any, host: Any, space_moderator: Any) -> Space:
    """A members-only events space (members propose events, moderators approve); Sol moderates it."""
    return testing.make_space(
        "Meetups",
        kind="events",
        visibility=Space.MEMBERS,
        members=[member, newcomer, host],
        moderators=[space_moderator],
        kind_settings={"member_events": "approval"},
    )


@pytest.fixture
def open_calendar(member: Any, host: Any, space_moderator: Any) -> Space:
    """A public events space where members publish events directly."""
    return testing.make_space(
        "Open calendar",
        kind="events",
        visibility=Space.PUBLIC,
        members=[member, host],
        moderators=[space_moderator],
        kind_settings={"member_events": "open"},
    )


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
