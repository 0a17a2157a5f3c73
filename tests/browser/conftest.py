"""Browser fixtures: one Debian Chromium per session, a fresh context per test, axe-core on every page.

The server under test is pytest-django's ``live_server`` (a threaded WSGI server on the test database,
SQLite or PostgreSQL). Tests drive it through :class:`UI`, which runs axe-core (WCAG 2 A/AA) and checks
that the page is no wider than the viewport after every navigation it performs and, at teardown, fails
the test if any page the browser landed on was never audited — so "axe and no sideways scrolling on
every page visited" holds even for navigations a test triggers by itself.

Without ``/usr/bin/chromium`` or ``node_modules/axe-core/axe.min.js`` the browser tests skip with the
reason, unless ``TOWNHALL_REQUIRE_BROWSER=1`` (CI) — then they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from asgi_server import AsgiServer

CHROMIUM = Path(os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium"))
REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000  # generous: CI and shared machines can be heavily loaded

# Console noise that says nothing about the page itself (favicon probes and the like).
_IGNORED_CONSOLE = (re.compile(r"favicon\.ico"),)


def _missing_requirements() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} not found (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append(f"{AXE_JS.relative_to(REPO_ROOT)} not found (npm install)")
    return missing


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the whole session (never `playwright install`: Debian's build)."""
    missing = _missing_requirements()
    if missing:
        reason = "browser tests need " + "; ".join(missing)
        if os.environ.get("TOWNHALL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (TOWNHALL_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop on this thread; Django would then refuse ORM calls from
    # the test body (factories, assertions). Browser tests run last (tests/conftest.py), so this is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS // 2)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]
    url: str

    def __str__(self) -> str:
        return f"[{self.impact}] {self.rule}: {self.help} — {', '.join(self.targets)}  ({self.url})"


class AccessibilityError(AssertionError):
    pass


class LayoutError(AssertionError):
    """The page is wider than the viewport: people must scroll sideways to read it."""


# The document's width against the viewport's, and the elements that stick out of their parent past the
# viewport's right edge (the culprits, not everything inside them).
_OVERFLOW_JS = r"""() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const edge = root.clientWidth + 1;
    const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (typeof el.className === "string" && el.className.trim()
            ? "." + el.className.trim().split(/\s+/).join(".") : "");
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        const parent = el.parentElement && el.parentElement.getBoundingClientRect();
        if (box.width && box.right > edge && (!parent || parent.right <= edge)) {
            culprits.push(name(el) + " (right edge " + Math.round(box.right) + " px)");
        }
    }
    return {document: root.scrollWidth, viewport: root.clientWidth, culprits: culprits.slice(0, 6)};
}"""


@dataclass
class UI:
    """A page plus the live server: navigate, then audit with axe-core; collect JS errors and CSP reports."""

    page: Any
    base_url: str
    axe_source: str
    label: str = "desktop light"
    visited: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("framenavigated", self._on_navigated)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught JS error: {exc}"))
        self.page.on("console", self._on_console)

    # --- bookkeeping ------------------------------------------------------------------------------
    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            url = urldefrag(frame.url).url
            if url.startswith(self.base_url) and (not self.visited or self.visited[-1] != url):
                self.visited.append(url)

    def _on_console(self, msg: Any) -> None:
        text = msg.text
        if any(p.search(text) for p in _IGNORED_CONSOLE):
            return
        if "Content Security Policy" in text or (msg.type == "error" and "Refused to" in text):
            self.errors.append(f"CSP violation on {self.page.url}: {text}")

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # --- navigation ---------------------------------------------------------------------------------
    def goto(self, path: str, *, expect_status: int | None = 200) -> Any:
        response = self.page.goto(self.url(path), wait_until="load")
        if expect_status is not None:
            assert response is not None and response.status == expect_status, (
                f"GET {path} answered {response.status if response else 'nothing'}, expected {expect_status}"
            )
        self.audit()
        return response

    def navigate(self, action: Callable[[], Any], *, url: str | re.Pattern[str] | None = None) -> None:
        """Run `action` (a click, a submit) that loads a new page, wait for it, then audit it."""
        with self.page.expect_navigation(url=url, wait_until="load"):
            action()
        self.audit()

    def click(self, locator: Any, *, url: str | re.Pattern[str] | None = None) -> None:
        """Click something that must load a new page (a link, a plain form's submit button)."""
        self.navigate(locator.click, url=url)

    def act(self, locator: Any) -> None:
        """Click something that may load a new page or swap part of this one (htmx); audit the result."""
        locator.click()
        self.page.wait_for_load_state("load")
        self.page.wait_for_load_state("networkidle")
        self.audit()

    # --- accessibility ------------------------------------------------------------------------------
    def audit(self) -> None:
        """Run axe-core (WCAG 2 A/AA) on the current page; fail with rule, impact, targets and URL.

        Also fails (LayoutError) when the page is wider than the viewport, naming what sticks out.
        """
        self.page.wait_for_load_state("load")
        self.check_width()
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            # evaluate() is not subject to the page's CSP, unlike an injected <script>.
            self.page.evaluate(self.axe_source)
        raw = self.page.evaluate(
            """async (tags) => {
                const result = await window.axe.run(document, {
                    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    rule: v.id, impact: v.impact || "?", help: v.help,
                    targets: v.nodes.map(n => n.target.join(" ") + (n.failureSummary
                        ? " {" + n.failureSummary.replace(/\\s+/g, " ").slice(0, 160) + "}" : ""))}));
            }""",
            AXE_TAGS,
        )
        url = urldefrag(self.page.url).url
        self.audited.add(url)
        if raw:
            found = [Violation(url=url, **v) for v in raw]
            listing = "\n  ".join(str(v) for v in found)
            raise AccessibilityError(
                f"axe-core found {len(found)} violation(s) ({self.label}) on {url}:\n  {listing}"
            )

    def check_width(self) -> None:
        """Fail when the document is wider than the viewport (sideways scrolling, text cut off on phones)."""
        found = self.page.evaluate(_OVERFLOW_JS)
        if found:
            url = urldefrag(self.page.url).url
            self.audited.add(url)  # reported here; the teardown need not repeat it as "unaudited"
            raise LayoutError(
                f"the page is {found['document']} px wide in a {found['viewport']} px viewport ({self.label}) "
                f"on {url}; sticking out: {', '.join(found['culprits']) or 'nothing measurable'}"
            )

    def assert_clean(self) -> None:
        unaudited = [u for u in self.visited if u not in self.audited]
        problems = list(self.errors)
        if unaudited:
            problems.append("pages visited without an axe-core audit: " + ", ".join(unaudited))
        assert not problems, "\n".join(problems)

    # --- helpers for journeys -----------------------------------------------------------------------
    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).inner_text().strip()


def _ui_maker(
    chromium: Any, axe_source: str, base_url: str, *, with_sockets: bool
) -> tuple[Callable[..., UI], Callable[[], None]]:
    """A `make(...)` that opens UIs in fresh contexts on `base_url`, and a `finish()` that checks and
    closes them. Without real sockets the stream's WebSocket is answered in the browser, quietly."""
    opened: list[tuple[Any, UI]] = []

    def make(*, color_scheme: str = "light", phone: bool = False, label: str = "") -> UI:
        viewport = PHONE if phone else DESKTOP
        context = chromium.new_context(
            base_url=base_url,
            color_scheme=color_scheme,
            viewport=viewport,
            locale="en-GB",
            timezone_id="UTC",
            is_mobile=phone,
            has_touch=phone,
        )
        if not with_sockets:
            # The threaded WSGI test server does not speak WebSocket; answer the stream socket
            # in-browser so the page's real-time client stays connected and quiet.
            context.route_web_socket(re.compile(r".*/ws/.*"), lambda ws: None)
        page = context.new_page()
        size = "phone" if phone else "desktop"
        ui = UI(page=page, base_url=base_url, axe_source=axe_source, label=label or f"{size} {color_scheme}")
        opened.append((context, ui))
        return ui

    def finish() -> None:
        try:
            for _, ui in opened:
                ui.assert_clean()
        finally:
            for context, _ in opened:
                context.close()

    return make, finish


@pytest.fixture
def new_ui(chromium: Any, live_server: Any, axe_source: str) -> Iterator[Callable[..., UI]]:
    """new_ui(color_scheme="light"|"dark", phone=False) -> a UI in a fresh browser context.

    Several may be opened in one test (two people at once). Every one is checked at teardown.
    """
    make, finish = _ui_maker(chromium, axe_source, live_server.url, with_sockets=False)
    yield make
    finish()


@pytest.fixture
def asgi_server(live_server: Any) -> Iterator[AsgiServer]:
    """Townhall's ASGI app with WebSockets, on the test database (see asgi_server.py)."""
    server = AsgiServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_live_ui(chromium: Any, asgi_server: AsgiServer, axe_source: str) -> Iterator[Callable[..., UI]]:
    """Like new_ui, on the ASGI server: each page's stream is a real WebSocket, so what one person does
    reaches the others live."""
    make, finish = _ui_maker(chromium, axe_source, asgi_server.url, with_sockets=True)
    yield make
    finish()


@pytest.fixture
def ui(new_ui: Callable[..., UI]) -> UI:
    """A desktop-sized, light-theme UI."""
    return new_ui()


@pytest.fixture
def mail_link(outbox: Any) -> Callable[..., str]:
    """mail_link(address, r"/accounts/confirm-email/") -> the path of the first matching link in the newest
    email to `address` (waiting briefly: the live server thread sends it through real SMTP)."""
    import time

    def find(address: str, pattern: str, *, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(outbox.to(address)):
                body = outbox.body(message)
                for url in re.findall(r"https?://[^\s<>\"')\]]+", body):
                    parts = urlsplit(url)
                    if re.search(pattern, parts.path):
                        return parts.path + (f"?{parts.query}" if parts.query else "")
            if time.monotonic() > deadline:
                sent = [(m["To"], m["Subject"]) for m in outbox.sink.messages]
                raise AssertionError(f"no email to {address} with a link matching {pattern!r}; sent: {sent}")
            time.sleep(0.1)

    return find


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Journeys sign up and log in several times; a slow hasher would dominate their runtime."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
