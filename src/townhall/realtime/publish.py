"""Sending broadcasts to people's streams, only after the transaction commits.

A broadcast is a small dict with `type` (domain, e.g. "space"), `op` (e.g. "updated") and ids, declared
in `realtime.schemas` by the app that sends it; every payload is checked against its declaration where
it is sent. Clients re-fetch viewer-specific content under their own permissions.

Every broadcast to a space or a person is logged (`realtime.log`) in the publishing transaction and
carries its sequence number to the streams (`seq`), so that a stream that reconnects gets what it missed.

Groups: `user.<id>` (one person's open streams), `space.<id>` (the streams of everyone who may read the
space; the stream consumer keeps these in step with the Guardian) and `streams` (every open stream,
used only for control messages, never for broadcasts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from townhall.realtime import log, schemas

logger = logging.getLogger(__name__)

ALL_STREAMS = "streams"
RESUBSCRIBE = "stream.resubscribe"  # the control message; handled by UserStreamConsumer.stream_resubscribe


def user_group(user_id: int) -> str:
    """The channel group of one person's open streams."""
    return f"user.{user_id}"


def space_group(space_id: int) -> str:
    """The channel group of the streams of everyone who may read the space."""
    return f"space.{space_id}"


def deliver(groups: list[str], payload: dict[str, Any], *, seq: int | None = None) -> None:
    """The transport: hand a checked payload (and its sequence number, when it was logged) to the
    channel layer, best effort: when the layer is down or slow the failure is logged and the caller goes
    on (the log has the broadcast; streams replay it when they reconnect).

    Everything `publish` sends passes through here, so a test can watch it: the `broadcasts` fixture
    wraps this function (monkeypatch) to record `(groups, payload)` and then calls it through.
    """
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    message: dict[str, Any] = {"type": "broadcast", "payload": payload}
    if seq is not None:
        message["seq"] = seq
    try:
        async_to_sync(_send_all)(layer, groups, message)
    except Exception as exc:  # a broadcast is best effort; the database is the truth
        logger.warning("broadcast %s to %s not sent: %s", seq, ", ".join(groups), exc or type(exc).__name__)


async def _send_all(layer: Any, groups: list[str], message: dict[str, Any], *, tag: bool = True) -> None:
    for name in groups:
        # The group travels with a broadcast (`tag`): a stream drops frames of a group it has just left.
        sent = {**message, "group": name} if tag else message
        await asyncio.wait_for(layer.group_send(name, sent), timeout=settings.STREAM_SEND_TIMEOUT)


def _checked(payload: dict[str, Any], *, ephemeral: bool) -> dict[str, Any]:
    schema = schemas.validate(payload)
    if schema.ephemeral != ephemeral:
        how = "publish_ephemeral" if schema.ephemeral else "publish or publish_on_commit"
        raise schemas.BadBroadcast(f"broadcast {schema.type}/{schema.op} is sent with {how}")
    return dict(payload)  # a later change to the caller's dict does not change what is sent


def publish(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Check `payload` against its declared schema (BadBroadcast if it does not match), log it and send
    it now.

    Actions use publish_on_commit; this is for code that runs outside a transaction.
    """
    checked = _checked(payload, ephemeral=False)
    names = list(groups)
    seq = log.write(names, checked) if log.is_logged(names) else None
    deliver(names, checked, seq=seq)


def publish_on_commit(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Check `payload` now (BadBroadcast raised here, inside the action), log it in the transaction (one
    INSERT: its id is the sequence number) and send it after the commit.

    Nothing is logged or sent when the transaction rolls back. The send never fails the write: when the
    channel layer is down, the streams get the broadcast from the log when they reconnect.
    """
    checked = _checked(payload, ephemeral=False)
    names = list(groups)
    seq = log.write(names, checked) if log.is_logged(names) else None
    transaction.on_commit(lambda: deliver(names, checked, seq=seq), robust=True)


def publish_many_on_commit(messages: Iterable[tuple[Iterable[str], dict[str, Any]]]) -> None:
    """publish_on_commit for many broadcasts at once (a notification fan-out tells each of thousands of
    people about their own row): checked now, logged in one bulk INSERT, sent after the commit."""
    checked = [(list(groups), _checked(payload, ephemeral=False)) for groups, payload in messages]
    logged = [i for i, (names, _payload) in enumerate(checked) if log.is_logged(names)]
    seqs = dict(zip(logged, log.write_many([checked[i] for i in logged]), strict=True)) if logged else {}
    sends = [(names, payload, seqs.get(i)) for i, (names, payload) in enumerate(checked)]

    def send_all() -> None:
        for names, payload, seq in sends:
            deliver(names, payload, seq=seq)

    if sends:
        transaction.on_commit(send_all, robust=True)


def publish_ephemeral(groups: Iterable[str], payload: dict[str, Any]) -> None:
    """Send an ephemeral broadcast (declared with `declare_ephemeral`: typing, presence) now: not
    logged, no sequence number, lost when nobody is listening."""
    deliver(list(groups), _checked(payload, ephemeral=True))


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
    try:
        async_to_sync(_send_all)(layer, groups, {"type": RESUBSCRIBE}, tag=False)
    except Exception as exc:  # best effort, like a broadcast; a reconnecting stream computes afresh
        logger.warning("resubscribe of %s not sent: %s", ", ".join(groups), exc or type(exc).__name__)
