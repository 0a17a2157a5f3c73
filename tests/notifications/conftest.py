from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from notify_testing import TEST_KINDS, declared_kinds

import factories as testing
from townhall.spaces.models import Space


@pytest.fixture(autouse=True)
def kinds() -> Iterator[None]:
    """The test kinds (a reply, a mention, a grouped reaction, one with its own check), for each test."""
    with declared_kinds(*TEST_KINDS):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed():` runs what was scheduled after the commit (broadcasts) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def observatory(member: Any, newcomer: Any) -> Space:
    """A private space the member and the newcomer belong to."""
    return testing.make_space("Observatory", visibility=Space.PRIVATE, members=[member, newcomer])


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Aperture")
