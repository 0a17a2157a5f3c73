"""The browser harness itself can fail: axe-core violations, CSP violations, unaudited pages and pages wider
than the viewport are caught."""

from __future__ import annotations

import re
from typing import Any

import pytest

import factories as testing

pytestmark = pytest.mark.browser


@pytest.fixture
def community(db: None) -> Any:
    return testing.make_community(landing_public=True)


def test_axe_violations_fail_with_rule_impact_target_and_url(ui: Any, community: Any) -> None:
    ui.goto("/")
    ui.page.evaluate(
        """() => {
            const img = document.createElement("img");
            img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
            img.id = "no-alt";
            document.querySelector("main").appendChild(img);
        }"""
    )
    with pytest.raises(AssertionError) as caught:
        ui.audit()
    message = str(caught.value)
    assert "image-alt" in message
    assert "[critical]" in message
    assert "#no-alt" in message
    assert ui.page.url in message


def test_inline_script_is_refused_by_csp_and_reported(ui: Any, community: Any) -> None:
    ui.goto("/")
    ui.page.evaluate(
        """() => {
            const s = document.createElement("script");
            s.textContent = "window.__injected = true";
            document.body.appendChild(s);
        }"""
    )
    assert ui.page.evaluate("() => window.__injected === undefined")
    for _ in range(50):  # the console message arrives asynchronously
        if ui.errors:
            break
        ui.page.wait_for_timeout(100)
    assert any("CSP" in e for e in ui.errors), ui.errors
    ui.errors.clear()


def test_a_page_reached_without_an_audit_is_reported(ui: Any, community: Any) -> None:
    ui.goto("/")
    ui.page.get_by_role("main").get_by_role("link", name=re.compile("I already have an account")).click()
    ui.page.wait_for_url(re.compile(r"/accounts/login/"))
    with pytest.raises(AssertionError, match="without an axe-core audit"):
        ui.assert_clean()
    ui.audit()
    ui.assert_clean()


def test_a_page_wider_than_the_viewport_fails_naming_what_sticks_out(new_ui: Any, community: Any) -> None:
    ui = new_ui(phone=True)
    ui.goto("/")
    ui.page.evaluate(
        """() => {
            const wide = document.createElement("div");
            wide.id = "too-wide";
            wide.style.width = "900px";
            wide.textContent = "x";
            document.querySelector("main").appendChild(wide);
        }"""
    )
    with pytest.raises(AssertionError) as caught:
        ui.audit()
    message = str(caught.value)
    assert "in a 390 px viewport" in message
    assert "div#too-wide" in message
