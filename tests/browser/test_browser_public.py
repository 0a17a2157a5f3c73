"""Public pages in a real browser: the landing page in both themes and at phone width, log in, sign up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import label
from playwright.sync_api import expect

import factories as testing
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.fixture
def public_community(db: None) -> Any:
    return testing.make_community(landing_public=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_landing_page_reads_well_in_both_themes(new_ui: Any, public_community: Any, scheme: str) -> None:
    testing.make_space("Deep sky", visibility=Space.PUBLIC, description="Nebulae and galaxies")
    ui = new_ui(color_scheme=scheme)
    ui.goto("/")
    expect(ui.page.get_by_role("heading", level=1)).to_have_text(public_community.name)
    expect(ui.page.get_by_text(public_community.tagline).first).to_be_visible()
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("link", name=re.compile("Deep sky"))).to_be_visible()
    # The theme follows the system preference until the visitor picks one.
    assert ui.page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")


def test_landing_page_at_phone_width_opens_the_menu(new_ui: Any, public_community: Any) -> None:
    ui = new_ui(phone=True)
    ui.goto("/")
    expect(ui.page.get_by_role("heading", level=1)).to_have_text(public_community.name)
    # Nothing overflows sideways on a phone.
    assert ui.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    signup = ui.page.get_by_role("link", name=f"Join {public_community.name}")
    expect(signup).to_be_visible()
    ui.click(signup)
    assert ui.path.startswith("/accounts/signup/")


def test_theme_toggle_switches_to_dark_and_back(ui: Any, public_community: Any) -> None:
    ui.goto("/")
    toggle = ui.page.get_by_role("button", name="Switch theme")
    html = ui.page.locator("html")
    expect(html).to_have_attribute("data-theme", "system")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    ui.audit()  # the dark palette must keep its contrast too
    toggle.click()
    expect(html).to_have_attribute("data-theme", "light")
    ui.audit()


def test_member_logs_in_from_the_landing_page_and_lands_home(ui: Any, member: Any) -> None:
    ui.goto("/")
    ui.click(ui.page.get_by_role("link", name="Log in"))
    ui.page.get_by_label(label("username or e-?mail|login")).fill(member.username)
    ui.page.get_by_label(label("password")).fill(testing.PASSWORD)
    ui.click(ui.page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I)))
    assert ui.path == "/home/"
    expect(ui.page.get_by_role("banner").get_by_role("link", name="Your profile")).to_be_visible()


def test_wrong_password_shows_an_error_on_the_login_form(ui: Any, member: Any) -> None:
    ui.goto("/accounts/login/")
    ui.page.get_by_label(label("username or e-?mail|login")).fill(member.username)
    ui.page.get_by_label(label("password")).fill("not-the-password")
    ui.click(ui.page.get_by_role("main").get_by_role("button", name=re.compile("sign in", re.I)))
    assert ui.path.startswith("/accounts/login/")
    expect(ui.page.get_by_text("not correct", exact=False).first).to_be_visible()


def test_keyboard_user_skips_straight_to_the_content(ui: Any, public_community: Any) -> None:
    ui.goto("/")
    ui.page.keyboard.press("Tab")
    skip = ui.page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    ui.page.keyboard.press("Enter")
    expect(ui.page.get_by_role("main")).to_be_focused()


def test_sign_up_with_mismatched_passwords_explains_the_problem(ui: Any, public_community: Any) -> None:
    ui.goto("/accounts/signup/")
    page = ui.page
    page.get_by_label(label("e-?mail( address)?")).fill("morgan@example.org")
    page.get_by_label(label("username")).fill("morgan")
    page.get_by_label(label("password")).fill("Andromeda-is-near-2")
    page.get_by_label(label(r"password \(again\)")).fill("Andromeda-is-far-3")
    ui.click(page.get_by_role("main").get_by_role("button", name=re.compile("sign up", re.I)))
    assert ui.path.startswith("/accounts/signup/")
    expect(page.get_by_role("main").get_by_text(re.compile("same password", re.I))).to_be_visible()
    from townhall.accounts.models import User

    assert not User.objects.filter(username="morgan").exists()


def test_a_private_landing_page_sends_visitors_to_log_in(ui: Any, db: None) -> None:
    testing.make_community(landing_public=False)
    ui.goto("/")
    assert ui.path.startswith("/accounts/login/")
    expect(ui.page.get_by_role("heading", level=1)).to_be_visible()
