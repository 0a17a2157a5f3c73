"""The embedded (one process) channel layer: Channels' in-memory layer, with its expiry sweep bounded.

Channels' InMemoryChannelLayer sweeps every channel's queue and every group for expired entries on each
`receive`. Every open stream waits in `receive`, and a broadcast to a space wakes each of its streams, so
one message to 1,000 open tabs swept 1,000 channels 1,000 times: two thirds of the server's time in the
chat fan-out bench (bench/chat_fanout.py). Expiry is a safety net for consumers that vanished (messages
live 60 s, group memberships a day), so sweeping at most once a second keeps what it is for.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer

SWEEP_INTERVAL = 1.0  # seconds between two expiry sweeps


class InMemoryLayer(InMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        super()._clean_expired()
