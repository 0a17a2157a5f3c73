"""A browser's WebSocket to /ws/stream/, driven through the real ASGI app (the raw ASGI messages)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from asgiref.testing import ApplicationCommunicator
from django.test import Client

from townhall.asgi import application

Frame = dict[str, Any]


class Stream(ApplicationCommunicator):  # type: ignore[misc]
    """One open stream. Waiting never cancels the app (unlike ApplicationCommunicator.receive_output
    on a timeout), so a test can watch the same socket before and after a change.

    `after`: the page's cursor (`/ws/stream/?after=<seq>`); `query` sets the query string as given.
    """

    def __init__(
        self, session_key: str | None, *, after: int | None = None, query: str | None = None
    ) -> None:
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
        if session_key is not None:
            headers.append((b"cookie", f"sessionid={session_key}".encode()))
        if query is None:
            query = "" if after is None else f"after={after}"
        scope = {
            "type": "websocket",
            "path": "/ws/stream/",
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
        }
        super().__init__(application, scope)
        self.closed_with: int | None = None
        self.opening: list[Frame] = []  # what came before `stream/live`: a replay, a reset, errors
        self.live: Frame | None = None  # the `stream/live` frame (its seq: the head when it opened)

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        """Open the socket and read until the stream is live (after its replay, if any)."""
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] != "websocket.accept":
            return False, answer.get("code")
        found, frames = await self.frames_until(is_live, timeout)
        assert found, f"the stream did not go live: {frames}"
        self.opening, self.live = frames[:-1], frames[-1]
        return True, None

    async def send_frame(self, frame: Any) -> None:
        """What the page sends: a dict as JSON text, a str as it is, bytes as a binary frame."""
        if isinstance(frame, bytes):
            await self.send_input({"type": "websocket.receive", "bytes": frame})
        else:
            text = frame if isinstance(frame, str) else json.dumps(frame)
            await self.send_input({"type": "websocket.receive", "text": text})

    async def receive_json_from(self, timeout: float) -> Any:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def frames_until(self, wanted: Callable[[Frame], bool], timeout: float) -> tuple[bool, list[Frame]]:
        """Read frames until one is `wanted` (True) or `timeout` seconds pass (False); all frames read."""
        frames: list[Frame] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.future.done():
                self.future.result()  # the app failed or finished: say why
                return False, frames
            if self.output_queue.empty():
                await asyncio.sleep(0.01)
                continue
            message = self.output_queue.get_nowait()
            if message["type"] == "websocket.close":
                self.closed_with = message.get("code")
                return False, frames
            assert message["type"] == "websocket.send", message
            frame = json.loads(message["text"])
            frames.append(frame)
            if wanted(frame):
                return True, frames
        return False, frames

    async def wait_closed(self, timeout: float) -> int | None:
        """Read until the server closes the socket; its close code, or None when it stays open."""
        await self.frames_until(lambda frame: False, timeout)
        return self.closed_with

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def is_live(frame: Frame) -> bool:
    return frame.get("type") == "stream" and frame.get("op") == "live"


def signed_in(user: Any) -> str:
    """A session key for `user`, as the browser's cookie would carry it."""
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)
