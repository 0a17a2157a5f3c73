"""Web push in Chromium: the manifest and service worker pass Chromium's own installability check, the
"Devices for push" page is axe clean on a phone and a desktop, light and dark, and a push reaches a
local push service (which checks VAPID and decrypts it) for a device registered through the page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from conftest import CHROMIUM, CHROMIUM_ARGS, UI
from push_endpoint import PushEndpoint
from push_testing import notify, reply_kind_declared
from townhall.notifications.push import delivery, vapid

pytestmark = pytest.mark.browser

DEVICES = "/settings/notifications/devices/"
SHOTS = os.environ.get("TOWNHALL_PUSH_SHOTS", "")  # a folder: screenshots of the devices page land there


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    settings.VAPID_PRIVATE_KEY = ""
    testing.make_community()
    return {
        "max": testing.make_member("max", display_name="Max Member"),
        "ana": testing.make_member("ana", display_name="Ana Lima"),
    }


@pytest.fixture
def push_service(world: dict[str, Any]) -> Iterator[PushEndpoint]:
    endpoint = PushEndpoint(expected_key=vapid.public_key()).start()
    try:
        yield endpoint
    finally:
        endpoint.stop()
    assert not endpoint.errors, endpoint.errors


def test_chromium_finds_the_site_installable(
    chromium: Any, live_server: Any, axe_source: str, world: dict[str, Any], tmp_path: Path
) -> None:
    # Chromium never offers to install from an incognito profile (Playwright's contexts): a profile on disk.
    context = chromium.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server.url,
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        ui = UI(page=page, base_url=live_server.url, axe_source=axe_source, label="installed profile")
        ui.goto("/")
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith("/sw.js")
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest") and manifest["errors"] == []
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        ui.assert_clean()
    finally:
        context.close()


REGISTER = """async (subscription) => {
    const token = document.querySelector("[data-push-form] [name=csrfmiddlewaretoken]").value;
    const answer = await fetch("/api/v1/notifications/push-subscriptions", {
        method: "POST", body: JSON.stringify(subscription),
        headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
    return answer.status;
}"""


@pytest.mark.parametrize(
    ("phone", "scheme"),
    [(False, "light"), (True, "dark")],
    ids=["desktop-light", "phone-dark"],
)
def test_a_device_added_through_the_page_gets_the_push(
    new_ui: Any, world: dict[str, Any], push_service: PushEndpoint, phone: bool, scheme: str
) -> None:
    ui = new_ui(phone=phone, color_scheme=scheme)
    log_in(ui, "max")
    ui.goto(DEVICES)
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Devices for push")
    expect(main.get_by_text("No device receives push yet.")).to_be_visible()
    # The page's script found the Push API and the service worker: it offers to turn push on.
    expect(main.get_by_text("Push is off in this browser.")).to_be_visible()
    expect(main.get_by_role("button", name="Turn on push in this browser")).to_be_visible()
    ui.audit()
    shoot(ui, f"devices-empty-{'390' if phone else '1280'}-{scheme}")

    # Headless Chromium has no push service of its own: register the test's device through the page's API,
    # as the page would after pushManager.subscribe().
    assert ui.page.evaluate(REGISTER, push_service.add_device("this-browser")) == 201
    ui.goto(DEVICES)
    expect(main.get_by_text("Chrome (headless) on Linux", exact=True)).to_be_visible()
    expect(main.get_by_text(re.compile("no push delivered yet"))).to_be_visible()

    with reply_kind_declared():
        n = notify(world["max"], actor=world["ana"])
        delivery.schedule([n.pk])
        (payload,) = push_service.wait_for("this-browser")
    assert payload == {
        "title": "Night Sky Collective",
        "body": "Ana Lima replied to Garden day",
        "url": n.url,
        "tag": "topic:7",
    }

    ui.goto(DEVICES)
    expect(main.get_by_text(re.compile(r"last push delivered"))).to_be_visible()
    shoot(ui, f"devices-one-{'390' if phone else '1280'}-{scheme}")
    ui.click(main.get_by_role("button", name=re.compile("^Remove Chrome")))
    expect(ui.page.get_by_text("Chrome (headless) on Linux gets no more pushes.")).to_be_visible()
    expect(main.get_by_text("No device receives push yet.")).to_be_visible()


def shoot(ui: UI, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        ui.page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
