"""Helpers for the notifications tests: run what waits for the commit, and read what people were told."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any, tmp_path: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"
    settings.CHAT_SEND_RATE = "10000/m"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """`with committed():` runs what waits for the commit when the block ends: the fan-out task (tests
    run tasks inline), its broadcasts, and the channels' scheduling."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
