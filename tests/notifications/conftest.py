"""Fixtures of the notification tests: the test kinds (centre), a fresh VAPID identity and the local push
service (web push), a declared reply kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from notify_testing import TEST_KINDS, declared_kinds

import factories as testing
from push_endpoint import PushEndpoint
from push_testing import reply_kind_declared
from townhall.notifications.kinds import Kind
from townhall.notifications.push import vapid
from townhall.spaces.models import Space


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any, tmp_path: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"
    settings.CHAT_SEND_RATE = "10000/m"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kinds() -> Iterator[None]:
    """The test kinds (a reply, a mention, a grouped reaction, one with its own check), for the centre's
    tests (`pytestmark = pytest.mark.usefixtures("kinds")`); the fan-out's tests use the real kinds."""
    with declared_kinds(*TEST_KINDS):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed():` runs what waits for the commit when the block ends: the fan-out task (tests
    run tasks inline), its broadcasts, and the channels' scheduling."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def observatory(member: Any, newcomer: Any) -> Space:
    """A private space the member and the newcomer belong to."""
    return testing.make_space("Observatory", visibility=Space.PRIVATE, members=[member, newcomer])


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Aperture")


@pytest.fixture
def vapid_keys(settings: Any, tmp_path: Any) -> str:
    """A fresh data directory, so this test's installation makes its own VAPID key pair."""
    settings.DATA_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = ""
    return vapid.public_key()


@pytest.fixture
def push_service(vapid_keys: str) -> Iterator[PushEndpoint]:
    endpoint = PushEndpoint(expected_key=vapid_keys).start()
    try:
        yield endpoint
    finally:
        endpoint.stop()
    assert not endpoint.errors, endpoint.errors


@pytest.fixture
def reply_kind() -> Iterator[Kind]:
    with reply_kind_declared() as kind:
        yield kind
