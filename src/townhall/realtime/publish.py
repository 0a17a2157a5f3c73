"""Sending broadcasts to people's streams, only after the transaction commits.

A broadcast is a small dict with `type` (domain, e.g. "space"), `op` (e.g. "updated") and ids, declared
in `realtime.schemas` by the app that sends it; every payload is checked against its declaration where
it is sent. Clients re-fetch viewer-specific content under their own permissions.

Groups: `user.<id>` (one person's open streams), `space.<id>` (the streams of everyone who may read the
space; the stream consumer keeps these in step with the Guardian) and `streams` (every open stream,
used only for control messages, never for broadcasts).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from townhall.realtime import schemas

logger = logging.getLogger(__name__)

ALL_STREAMS = "streams"
RESUBSCRIBE = "stream.resubscribe"  # the control message; handled by UserStreamConsumer.stream_resubscribe


def user_group(user_id: int) -> str:
    """The channel group of one person's open streams."""
    return f"user.{user_id}"


def space_group(space_id: int) -> str:
    """The channel group of the streams of everyone who may read the space."""
    return f"space.{space_id}"


def deliver(groups: list[str], payload: dict[str, Any]) -> None:
    """The transport: hand a checked payload to the channel layer, best effort.

    Everything `publish` sends passes through here, so a test can watch it: the `broadcasts` fixture
    wraps this function (monkeypatch) to record `(groups, payload)` and then calls it through.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    for name in groups:
        try:
            # The group travels with the message: a stream drops frames of a group it has just left.
            async_to_sync(layer.group_send)(name, {"type": "broadcast", "group": name, "payload": payload})
        except Exception:  # a broadcast is best effort; the database is the truth
            logger.exception("broadcast to %s failed", name)


def publish(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Check `payload` against its declared schema (BadBroadcast if it does not match) and send it now.

    Actions use publish_on_commit; this is for code that runs outside a transaction.
    """
    schemas.validate(payload)
    deliver(list(groups), dict(payload))


def publish_on_commit(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Check `payload` now (BadBroadcast raised here, inside the action), send it after the commit.

    Nothing is sent when the transaction rolls back.
    """
    schemas.validate(payload)
    names = list(groups)
    checked = dict(payload)  # a later change to the caller's dict does not change what is sent
    transaction.on_commit(lambda: deliver(names, checked), robust=True)


def resubscribe(user_ids: Iterable[int] | None) -> None:
    """Ask the open streams of these people (None: every open stream) to re-compute their space groups.

    The message carries no ids or decisions: each stream asks the Guardian again what its person may
    read, joins the space groups they gained and leaves the ones they lost. Call after the commit (the
    `realtime` listener of AccessChanged does), so that the streams read the new state.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    groups = [ALL_STREAMS] if user_ids is None else [user_group(uid) for uid in sorted(set(user_ids))]
    for name in groups:
        try:
            async_to_sync(layer.group_send)(name, {"type": RESUBSCRIBE})
        except Exception:  # best effort, like a broadcast; a reconnecting stream computes afresh
            logger.exception("resubscribe of %s failed", name)
