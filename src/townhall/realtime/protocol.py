"""The stream's own frames (docs/stream-protocol.md): what it sends besides broadcasts, what a page may
send it, the typed error frame for anything else, and the per-socket rate limits.

Server to page, besides broadcasts (`{type, op, ids…, seq}`):
    {"type": "stream", "op": "live", "seq": N}      replay done (if any); N is a cursor the page may keep
    {"type": "stream", "op": "reset", "seq": N}     too far behind to replay: reload your data, resume at N
    {"type": "stream", "op": "pong"}                answers a heartbeat (the round trip went through the
                                                    channel layer, so the whole path is alive)
    {"type": "stream", "op": "subscriptions_changed"}   (subscriptions.py)
    {"type": "error", "code": "...", "message": "..."}  a frame the stream did not accept; nothing closes

Page to server:
    {"type": "heartbeat", "state": "online" | "away"}   every 25 s and when the tab is hidden or shown
    {"type": "typing", "op": "start" | "stop", "space_id": N}
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from townhall.realtime.schemas import declare, declare_ephemeral

LIVE = "live"
RESET = "reset"
PONG = {"type": "stream", "op": "pong"}
ONLINE, AWAY, OFFLINE = "online", "away", "offline"
TYPING_OPS = ("start", "stop")
MAX_ID = 2**63 - 1

SCHEMAS = [
    *declare("stream", (LIVE, RESET), seq=int),
    *declare("stream", ("pong",)),
    # Ephemeral: never logged, no `seq`. The stream relays typing itself; presence changes are sent by
    # whoever listens to `presence.on_change` (the app chooses the audience).
    *declare_ephemeral("typing", TYPING_OPS, space_id=int, user_id=int),
    *declare_ephemeral("presence", (ONLINE, AWAY, OFFLINE), user_id=int),
]

# Error codes (the page may show `message`; `code` is for code).
BAD_JSON = "bad_json"  # not JSON text
BAD_FRAME = "bad_frame"  # JSON, but not a frame of a known type with the right fields
UNKNOWN_TYPE = "unknown_type"
TOO_LARGE = "too_large"
RATE_LIMITED = "rate_limited"
BAD_CURSOR = "bad_cursor"  # ?after= is not a sequence number
NOT_FOUND = "not_found"  # a space this person may not see: as if it did not exist
FORBIDDEN = "forbidden"  # seen, but not allowed (the message says why)


def control(op: str, seq: int) -> dict[str, Any]:
    return {"type": "stream", "op": op, "seq": seq}


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


class FrameError(ValueError):
    """A frame from the page that the stream does not accept: answered with an error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def frame(self) -> dict[str, Any]:
        return error(self.code, self.message)


@dataclass(frozen=True)
class Heartbeat:
    state: str  # ONLINE or AWAY


@dataclass(frozen=True)
class Typing:
    op: str  # "start" or "stop"
    space_id: int


Inbound = Heartbeat | Typing


def parse(text: str | None, data: bytes | None = None) -> Inbound:
    """Read one frame from the page, or raise FrameError saying what is wrong with it."""
    if text is None:
        raise FrameError(BAD_FRAME, "Frames are JSON text, not binary.")
    limit = settings.STREAM_MAX_FRAME_BYTES
    if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
        raise FrameError(TOO_LARGE, f"A frame may be at most {limit} bytes.")
    try:
        frame = json.loads(text)
    except ValueError:
        raise FrameError(BAD_JSON, "That frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise FrameError(BAD_FRAME, "A frame is a JSON object with a type.")
    kind = frame.get("type")
    if kind == "heartbeat":
        _only(frame, {"type", "state"})
        state = frame.get("state", ONLINE)
        if state not in (ONLINE, AWAY):
            raise FrameError(BAD_FRAME, "A heartbeat's state is online or away.")
        return Heartbeat(state)
    if kind == "typing":
        _only(frame, {"type", "op", "space_id"})
        op, space_id = frame.get("op"), frame.get("space_id")
        if op not in TYPING_OPS:
            raise FrameError(BAD_FRAME, "A typing frame's op is start or stop.")
        if type(space_id) is not int or not 0 < space_id <= MAX_ID:
            raise FrameError(BAD_FRAME, "A typing frame needs the space_id of a space.")
        return Typing(op, space_id)
    if not isinstance(kind, str):
        raise FrameError(BAD_FRAME, "A frame needs a string type.")
    raise FrameError(
        UNKNOWN_TYPE, f"Unknown frame type {kind[:40]!r}; the stream takes heartbeat and typing."
    )


def _only(frame: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(frame) - allowed)
    if extra:
        names = ", ".join(name[:40] for name in extra[:5])
        raise FrameError(BAD_FRAME, f"A {frame['type']} frame does not take {names}.")


def parse_cursor(raw: str | None) -> int | None:
    """`?after=` of the stream's URL: None when absent; FrameError when it is not a sequence number."""
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
        raise FrameError(BAD_CURSOR, "after= must be the seq of the last broadcast the page received.")
    return int(raw)


class Bucket:
    """A token bucket for one socket: `burst` frames at once, refilled at `per_second`. Kept in the
    consumer (the limit is per connection, which lives in one process)."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst = float(burst)
        self.rate = per_second
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
