"""The embedded (one process) channel layer: Channels' in-memory layer, made safe to send to from other
threads, with its expiry sweep bounded.

- **Other threads.** Streams wait for messages on the web server's event loop. A broadcast can come from
  another thread with its own loop: the embedded task worker, or a test's thread. asyncio queues are not
  thread-safe: a message put from there wakes the waiting stream only when the server's loop next wakes
  for some other reason. Sends from another loop are therefore handed to the loop the streams wait on.
- **The sweep.** Channels' InMemoryChannelLayer sweeps every channel's queue and every group for expired
  entries on each `receive`. Every open stream waits in `receive`, and a broadcast to a space wakes each
  of its streams, so one message to 1,000 open tabs swept 1,000 channels 1,000 times: two thirds of the
  server's time in the chat fan-out bench (bench/chat_fanout.py). Expiry is a safety net for consumers
  that vanished (messages live 60 s, group memberships a day), so once a second keeps what it is for.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from copy import deepcopy
from typing import Any

from channels.layers import InMemoryChannelLayer

SWEEP_INTERVAL = 1.0  # seconds between two expiry sweeps


class InMemoryLayer(InMemoryChannelLayer):
    _last_sweep = 0.0
    _loop: asyncio.AbstractEventLoop | None = None  # where streams last waited for a message

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL:
            return
        self._last_sweep = now
        super()._clean_expired()

    async def receive(self, channel: str) -> Any:
        self._loop = asyncio.get_running_loop()
        return await super().receive(channel)

    def _home(self) -> asyncio.AbstractEventLoop | None:
        """The streams' loop when it is running and is not this one."""
        loop = self._loop
        if loop is None or not loop.is_running() or loop is asyncio.get_running_loop():
            return None
        return loop

    async def _run_at_home(self, loop: asyncio.AbstractEventLoop, call: Coroutine[Any, Any, Any]) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, loop))

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        loop = self._home()
        if loop is not None:
            await self._run_at_home(loop, super().send(channel, message))
        else:
            await super().send(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        loop = self._home()  # one hop for the whole group, not one per stream
        if loop is not None:
            await self._run_at_home(loop, self._group_send_here(group, message))
        else:
            await self._group_send_here(group, message)

    async def _group_send_here(self, group: str, message: dict[str, Any]) -> None:
        """Channels' group_send makes a task and a deep copy per member of the group; a broadcast to a
        space with 1,000 open streams made 1,000 of each. Here one copy goes on every member's queue
        (streams only read what they receive) without a task each; a full queue misses the message, as
        with Channels (that stream replays it from the log when it reconnects)."""
        self.require_valid_group_name(group)
        self._clean_expired()
        shared = deepcopy(message)
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, {})):
            queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait((expires, shared))
