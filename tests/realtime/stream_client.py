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
    on a timeout), so a test can watch the same socket before and after a change."""

    def __init__(self, session_key: str | None) -> None:
        headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
        if session_key is not None:
            headers.append((b"cookie", f"sessionid={session_key}".encode()))
        scope = {"type": "websocket", "path": "/ws/stream/", "headers": headers, "subprotocols": []}
        super().__init__(application, scope)
        self.closed_with: int | None = None

    async def connect(self) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(5)
        return answer["type"] == "websocket.accept", answer.get("code")

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


def signed_in(user: Any) -> str:
    """A session key for `user`, as the browser's cookie would carry it."""
    client = Client()
    client.force_login(user)
    return str(client.cookies["sessionid"].value)
