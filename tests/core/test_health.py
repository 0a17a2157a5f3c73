"""GET /healthz: 200 with each dependency's state, 503 naming the failing part."""

from __future__ import annotations

import socket
from typing import Any
from unittest import mock

import pytest
from channels.layers import channel_layers

from townhall.config import ConfigError
from townhall.core import health

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def in_memory_layer(settings: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()


def test_healthy_names_every_dependency(client: Any, in_memory_layer: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "task_queue": "ok", "channel_layer": "ok"}
    assert body["failing"] == []


def test_broken_channel_layer_answers_503_naming_it(client: Any, settings: Any) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{_closed_port()}/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["channel_layer"]
    assert body["checks"]["channel_layer"].startswith("error:")
    assert body["checks"]["database"] == "ok"


def test_broken_database_answers_503_naming_it(client: Any, in_memory_layer: None) -> None:
    with mock.patch.object(health, "_database", side_effect=RuntimeError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "error: RuntimeError: connection refused"
    assert body["checks"]["channel_layer"] == "ok"


def test_broken_task_queue_answers_503_naming_it(client: Any, in_memory_layer: None) -> None:
    with mock.patch.object(health, "_task_queue", side_effect=RuntimeError("no such table")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["task_queue"]


def test_healthz_needs_no_login_and_is_json(client: Any, in_memory_layer: None) -> None:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"


def test_unreachable_redis_is_one_sentence() -> None:
    with pytest.raises(ConfigError) as caught:
        health.ensure_redis_reachable(f"redis://:secret@127.0.0.1:{_closed_port()}/0", timeout=1)
    message = str(caught.value)
    assert message.startswith("Cannot reach Redis at 127.0.0.1:")
    assert "secret" not in message


def test_no_redis_configured_is_fine() -> None:
    health.ensure_redis_reachable("")


def test_unapplied_migrations_is_empty_on_the_test_database() -> None:
    assert health.unapplied_migrations() == []
