"""Who is here: online, away or offline per person, kept in the cache (Redis when set) with a TTL.

Each open stream is one entry in its person's cache record (`presence:<user id>`: connection -> state and
expiry); the stream refreshes it on connecting and on every heartbeat (pages send one every 25 s, and
when the tab is hidden or shown again), and removes it on disconnecting. A person is online when any of
their streams is online, away when all are away, offline when none is left; a stream that vanished
without disconnecting (a crash, a laptop closed) expires after STREAM_PRESENCE_TTL seconds.

Apps plug in through two registries, from their `AppConfig.ready()`:

- `hide_with(fn)`: `fn(viewer_id, user_ids)` returns the ids among `user_ids` whose presence the viewer
  may not see (they hide it, or they blocked the viewer); they read as offline in `of()`.
- `on_change(fn)`: `fn(user_id, state)` is called when a person's state changes through a stream
  (online when the first tab opens, away, offline when the last one closes). The listener chooses the
  audience (house rule 6) and sends `presence_frame(...)` with `publish_ephemeral`. A stream that expires
  is not announced: pages that show presence ask `of()` again from time to time.

Nothing here fails a request or a stream: when the cache is unreachable, presence reads as offline.
Two streams of one person writing at the same instant may lose one entry until its next heartbeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from townhall.realtime.protocol import AWAY, OFFLINE, ONLINE
from townhall.realtime.schemas import validate

logger = logging.getLogger(__name__)

STATES = (ONLINE, AWAY, OFFLINE)
_RANK = {OFFLINE: 0, AWAY: 1, ONLINE: 2}

Hider = Callable[[int | None, frozenset[int]], Collection[int]]
Listener = Callable[[int, str], None]
_hiders: dict[str, Hider] = {}
_typing_hiders: set[str] = set()  # the hiders that also hide someone's typing (blocks, not a choice)
_listeners: dict[str, Listener] = {}


def hide_with(fn: Hider, *, name: str, typing: bool = False) -> None:
    """Register a rule that hides some people's presence from a viewer (a reloaded ready() replaces it);
    with `typing`, their "is typing" frames too."""
    _hiders[name] = fn
    if typing:
        _typing_hiders.add(name)
    else:
        _typing_hiders.discard(name)


def hidden_from(viewer_id: int | None, user_ids: Iterable[int], *, typing: bool = False) -> set[int]:
    """Those among `user_ids` whose presence (with `typing`: whose typing) the viewer may not see."""
    ids = frozenset(user_ids)
    hidden: set[int] = set()
    for name, hider in list(_hiders.items()):
        if not typing or name in _typing_hiders:
            hidden.update(hider(viewer_id, ids))
    return hidden & ids


def on_change(fn: Listener, *, name: str) -> None:
    """Register a listener of presence changes (a reloaded ready() replaces it)."""
    _listeners[name] = fn


def unregister(name: str) -> None:
    _hiders.pop(name, None)
    _typing_hiders.discard(name)
    _listeners.pop(name, None)


def presence_frame(user_id: int, state: str) -> dict[str, Any]:
    """The ephemeral broadcast `{type: "presence", op: state, user_id}`."""
    frame = {"type": "presence", "op": state, "user_id": user_id}
    validate(frame)
    return frame


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


Entries = dict[str, tuple[str, float]]


def _live(entries: Any, now: float) -> Entries:
    if not isinstance(entries, dict):
        return {}
    return {conn: (state, until) for conn, (state, until) in entries.items() if until > now}


def _state(entries: Entries) -> str:
    return max((state for state, _until in entries.values()), key=_RANK.__getitem__, default=OFFLINE)


def touch(user_id: int, connection: str, state: str = ONLINE) -> tuple[str, str]:
    """This stream is open (`state`: online or away) for the next STREAM_PRESENCE_TTL seconds.
    Returns the person's state (before, after) and tells the listeners when it changed."""
    if state not in (ONLINE, AWAY):
        raise ValueError(f"a stream is online or away, not {state!r}")
    return _update(user_id, connection, state)


def leave(user_id: int, connection: str) -> tuple[str, str]:
    """This stream closed. Returns the person's state (before, after); listeners hear a change."""
    return _update(user_id, connection, None)


def _update(user_id: int, connection: str, state: str | None) -> tuple[str, str]:
    now = time.time()
    ttl = settings.STREAM_PRESENCE_TTL
    try:
        entries = _live(cache.get(_key(user_id)), now)
        before = _state(entries)
        if state is None:
            entries.pop(connection, None)
        else:
            entries[connection] = (state, now + ttl)
        if entries:
            cache.set(_key(user_id), entries, ttl)
        else:
            cache.delete(_key(user_id))
    except Exception as exc:  # presence is a nicety: never fail a stream because the cache is down
        logger.warning("presence of %s not updated: %s", user_id, exc or type(exc).__name__)
        return OFFLINE, OFFLINE
    after = _state(entries)
    if after != before:
        for name, listener in list(_listeners.items()):
            try:
                listener(user_id, after)
            except Exception:
                logger.exception("presence listener %s failed", name)
    return before, after


def of(user_ids: Iterable[int], *, viewer_id: int | None = None) -> dict[int, str]:
    """Each person's state as `viewer_id` may see it: "online", "away" or "offline" (also for people
    who hide their presence from the viewer, and for everyone when the cache is unreachable)."""
    ids = frozenset(user_ids)
    found: dict[int, str] = dict.fromkeys(ids, OFFLINE)
    if not ids:
        return found
    try:
        records = cache.get_many([_key(uid) for uid in ids])
    except Exception as exc:
        logger.warning("presence not read: %s", exc or type(exc).__name__)
        return found
    now = time.time()
    for uid in ids:
        found[uid] = _state(_live(records.get(_key(uid)), now))
    for uid in hidden_from(viewer_id, ids):
        found[uid] = OFFLINE
    return found
