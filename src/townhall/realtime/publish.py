"""Sending broadcasts to people's streams, only after the transaction commits.

A broadcast is a small dict with `type` (domain, e.g. "space"), `op` (e.g. "updated") and ids.
Clients re-fetch viewer-specific content under their own permissions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

sent_for_tests: list[tuple[list[str], dict[str, Any]]] | None = None


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def space_group(space_id: int) -> str:
    return f"space.{space_id}"


def publish(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Send now (use publish_on_commit from actions)."""
    names = list(groups)
    if sent_for_tests is not None:
        sent_for_tests.append((names, payload))
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "broadcast", "payload": payload}
    for name in names:
        try:
            async_to_sync(layer.group_send)(name, message)
        except Exception:  # a broadcast is best effort; the database is the truth
            logger.exception("broadcast to %s failed", name)


def publish_on_commit(groups: Iterable[str], payload: dict[str, Any]) -> None:
    names = list(groups)
    transaction.on_commit(lambda: publish(names, payload), robust=True)
