"""What a new person notices in the first minutes (issue 12): the theme selector, phone widths, the live
notice under the top bar, the API docs. Every page is audited by axe-core and checked for sideways
overflow by the harness (conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

from townhall.core import testing

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    community = testing.make_community(landing_public=True)
    member = testing.make_member("max", display_name="Max Member")
    return {"community": community, "member": member}


def _filled(button: Any) -> bool:
    """True when the button is drawn filled (the primary look), False when outlined."""
    return bool(
        button.evaluate(
            """el => { const bg = getComputedStyle(el).backgroundColor;
                       return bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent"; }"""
        )
    )


def test_the_theme_selector_shows_the_theme_in_force_as_selected(ui: Any, world: dict[str, Any]) -> None:
    log_in(ui, "max")
    ui.goto("/settings/")
    theme = ui.page.get_by_role("group", name="Theme")
    buttons = {name: theme.get_by_role("button", name=name) for name in ("System", "Light", "Dark")}
    expect(buttons["System"]).to_have_attribute("aria-pressed", "true")
    assert _filled(buttons["System"]) and not _filled(buttons["Dark"]) and not _filled(buttons["Light"])

    ui.click(buttons["Dark"])
    expect(ui.page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(buttons["Dark"]).to_have_attribute("aria-pressed", "true")
    expect(buttons["System"]).to_have_attribute("aria-pressed", "false")
    assert _filled(buttons["Dark"]) and not _filled(buttons["System"])

    # The top bar's switch moves on to the next theme; the selector follows without a reload.
    ui.page.get_by_role("button", name="Switch theme").click()
    expect(ui.page.locator("html")).to_have_attribute("data-theme", "light")
    expect(buttons["Light"]).to_have_attribute("aria-pressed", "true")
    assert _filled(buttons["Light"]) and not _filled(buttons["Dark"])
    ui.audit()


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(ui: Any, world: dict[str, Any]) -> None:
    requested: list[str] = []
    ui.page.on("request", lambda request: requested.append(request.url))
    ui.goto("/api/v1/docs")
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", name=re.compile("Townhall API"))).to_be_visible()
    # The operations are listed (each one a block with its method and path).
    expect(ui.page.locator(".opblock").first).to_be_visible()
    assert ui.page.locator(".opblock").count() > 20
    expect(main.get_by_text("/api/v1/me/tokens").first).to_be_visible()
    assert all(url.startswith(ui.base_url) for url in requested), [u for u in requested if not u.startswith(ui.base_url)]
    ui.audit()
