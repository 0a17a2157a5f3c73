"""The page's stream client (stream.js) against a scripted socket: it dispatches each broadcast once,
says "Live updates paused — reconnecting…" while its socket is down, reconnects resuming after the seq
it saw, clears the status when live again, and offers a reload after a reset. (The server side of the
protocol has its own tests with real sockets in tests/realtime/.)"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing

pytestmark = pytest.mark.browser

RECORD = """window.__frames = [];
document.addEventListener("townhall:broadcast", e => window.__frames.push(e.detail));"""


def frame(**fields: Any) -> str:
    return json.dumps(fields)


def test_the_stream_client_resumes_dedupes_and_says_when_paused(new_ui: Any, db: None) -> None:
    testing.make_community()
    testing.make_member("max")
    ui = new_ui()
    sockets: list[Any] = []
    ui.page.route_web_socket(re.compile(r".*/ws/stream/.*"), lambda ws: sockets.append(ws))  # no server
    ui.page.add_init_script(RECORD)
    log_in(ui, "max")
    page = ui.page
    status = page.locator("[data-stream-status]")

    def wait_for_socket(count: int) -> Any:
        deadline = time.monotonic() + 15
        while len(sockets) < count:
            assert time.monotonic() < deadline, f"no socket #{count}"
            page.wait_for_timeout(50)
        return sockets[count - 1]

    def seqs() -> list[int]:
        return [f["seq"] for f in page.evaluate("window.__frames") if f.get("type") == "topic"]

    first = wait_for_socket(1)
    assert first.url.endswith("/ws/stream/")  # a fresh page: no cursor
    first.send(frame(type="stream", op="live", seq=5))
    for _ in range(2):  # the same broadcast twice (two groups, or replayed and live): dispatched once
        first.send(frame(type="topic", op="post_created", topic_id=1, post_id=2, seq=6))
    page.wait_for_function("window.__frames.length >= 2")
    page.wait_for_timeout(200)
    assert seqs() == [6]
    expect(status).to_be_empty()

    first.close(code=1013, reason="")  # the server lost Redis: try again later
    expect(status).to_have_text("Live updates paused — reconnecting…")
    assert status.get_attribute("aria-live") == "polite"
    ui.audit()  # the status line, as it shows

    second = wait_for_socket(2)
    assert second.url.endswith("/ws/stream/?after=5")  # resumes; held back a little for late deliveries
    second.send(frame(type="topic", op="post_created", topic_id=1, post_id=2, seq=6))  # replayed again
    second.send(frame(type="topic", op="post_created", topic_id=1, post_id=3, seq=7))
    second.send(frame(type="stream", op="live", seq=7))
    expect(status).to_be_empty()
    page.wait_for_function("window.__frames.some(f => f.seq === 7 && f.op === 'live')")
    assert seqs() == [6, 7]

    second.send(frame(type="stream", op="reset", seq=40))  # too far behind: reload your data
    expect(status).to_contain_text("You missed some live updates while offline.")
    expect(status.get_by_role("link", name="Reload")).to_be_visible()
    ui.audit()
