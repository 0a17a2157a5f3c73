"""Fixtures of the web push tests: a fresh VAPID identity, the local push service, a declared kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from push_endpoint import PushEndpoint
from push_testing import reply_kind_declared
from townhall.notifications.kinds import Kind
from townhall.notifications.push import vapid


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
