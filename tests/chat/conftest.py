from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.spaces.models import Space


@pytest.fixture
def space_moderator(community: Any) -> Any:
    return testing.make_member("sol", display_name="Sol Spacemod")


@pytest.fixture
def lounge(member: Any, newcomer: Any, space_moderator: Any) -> Space:
    """A members-only chat space that the member and newcomer joined; Sol moderates it."""
    return testing.make_space(
        "Lounge",
        kind="chat",
        visibility=Space.MEMBERS,
        members=[member, newcomer],
        moderators=[space_moderator],
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed():` runs what was scheduled after the commit (broadcasts) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Files sent with messages (the demo's too) land in the test's own directory."""
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
