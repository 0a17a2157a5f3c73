"""Look and feel (issue 12): a one-row phone header with an account menu, one primary button per form
(Cancel looks secondary), sentence case and aligned checkboxes on the sign-in pages. Every page is
audited by axe-core in the theme under test and checked for sideways overflow by the harness."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.community.models import Membership
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser

SCHEMES = pytest.mark.parametrize("scheme", ["light", "dark"])


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    community = testing.make_community(
        name="Night Sky Collective of the Northern Hemisphere", landing_public=True
    )
    member = testing.make_member("max", display_name="Max Member")
    space = testing.make_space("Deep sky", visibility=Space.PUBLIC, members=[member])
    topic = actions.create_topic(
        Guardian(member), space, title="First light with a new camera", body="Clear."
    )
    return {"community": community, "member": member, "topic": topic}


def _box(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return dict(box)


def _one_row(ui: Any) -> None:
    """The top bar is a single row: short, and every visible item shares its vertical middle."""
    bar = _box(ui.page.locator(".topbar"))
    assert bar["height"] < 64, f"the top bar is {bar['height']} px tall ({ui.label})"
    middles = ui.page.evaluate(
        """() => [...document.querySelectorAll(".topbar .sidebar-toggle, .topbar .brand, .topbar .topnav > *")]
               .filter(el => el.getClientRects().length)
               .map(el => { const b = el.getBoundingClientRect(); return b.top + b.height / 2; })"""
    )
    assert len(middles) >= 3, middles
    assert max(middles) - min(middles) <= 4, f"top bar items on different lines: {middles} ({ui.label})"


@SCHEMES
def test_on_a_phone_the_top_bar_is_one_row_and_the_account_links_are_in_a_menu(
    new_ui: Any, world: dict[str, Any], scheme: str
) -> None:
    ui = new_ui(phone=True, color_scheme=scheme)
    ui.goto("/accounts/login/")
    _one_row(ui)  # a visitor: brand, theme, one Log in button
    log_in(ui, "max")
    assert ui.path == "/home/"
    _one_row(ui)
    page = ui.page
    banner = page.get_by_role("banner")
    # The wide screen's links are not shown; the menu's button is.
    expect(banner.get_by_role("link", name="Settings")).to_have_count(0)
    expect(banner.get_by_role("button", name="Log out")).to_have_count(0)
    menu = banner.locator("details.account-menu")
    summary = menu.locator("summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_accessible_name(re.compile("Account menu"))
    summary.click()
    expect(menu).to_have_attribute("open", "")
    expect(banner.get_by_role("link", name="Your profile")).to_be_visible()
    expect(banner.get_by_role("link", name="Settings")).to_be_visible()
    expect(banner.get_by_role("button", name="Log out")).to_be_visible()
    ui.audit()  # the open menu, in this theme
    # Escape closes it and gives focus back to its button; a click elsewhere closes it too.
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    summary.click()
    page.mouse.click(200, 700)  # somewhere in the page, away from the menu
    expect(menu).not_to_have_attribute("open", "")
    # The ☰ sidebar toggle still works beside it.
    toggle = banner.get_by_role("button", name="Menu")
    toggle.click()
    expect(page.get_by_role("complementary", name="Spaces")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    # The menu leads where it says.
    summary.click()
    ui.click(banner.get_by_role("link", name="Settings"))
    assert ui.path == "/settings/"
    _one_row(ui)
    summary.click()
    ui.click(banner.get_by_role("button", name="Log out"))
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()


def test_on_a_phone_the_sticky_notices_still_know_the_top_bar_height(
    new_ui: Any, world: dict[str, Any]
) -> None:
    ui = new_ui(phone=True)
    log_in(ui, "max")
    height = ui.page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--topbar-height')"
    )
    bar = _box(ui.page.locator(".topbar"))
    assert height.strip() == f"{round(bar['height'])}px", (height, bar)


def test_on_a_desktop_the_account_links_stay_in_the_top_bar(ui: Any, world: dict[str, Any]) -> None:
    log_in(ui, "max")
    banner = ui.page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Your profile")).to_be_visible()
    expect(banner.get_by_role("link", name="Settings")).to_be_visible()
    expect(banner.get_by_role("button", name="Log out")).to_be_visible()
    expect(banner.locator("details.account-menu")).to_be_hidden()
    _one_row(ui)


def _background(locator: Any) -> str:
    return str(locator.evaluate("el => getComputedStyle(el).backgroundColor"))


@SCHEMES
def test_two_factor_sign_in_offers_one_primary_button_and_a_secondary_cancel(
    new_ui: Any, world: dict[str, Any], scheme: str
) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(world["member"], generate_totp_secret())
    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    assert ui.path.startswith("/accounts/2fa/authenticate"), ui.path
    main = ui.page.get_by_role("main")
    sign_in = main.get_by_role("button", name=re.compile("^sign in$", re.I))
    cancel = main.get_by_role("button", name="Cancel", exact=True)
    assert "secondary" in (cancel.get_attribute("class") or "")
    assert _background(sign_in) != _background(cancel)
    assert _background(cancel) in ("rgba(0, 0, 0, 0)", "transparent")
    expect(main.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    expect(sign_in).to_have_text("Sign in")
    ui.click(cancel)
    assert ui.path.startswith("/accounts/login/"), ui.path


@SCHEMES
def test_the_login_page_speaks_in_sentence_case_with_the_checkbox_beside_its_label(
    new_ui: Any, world: dict[str, Any], scheme: str
) -> None:
    ui = new_ui(phone=True, color_scheme=scheme)
    ui.goto("/accounts/login/")
    page = ui.page
    main = page.get_by_role("main")
    expect(page).to_have_title(re.compile(r"^Sign in · "))
    expect(main.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(main.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(main.get_by_text("Username or email", exact=True)).to_be_visible()
    checkbox = page.get_by_label("Remember me", exact=True)
    expect(checkbox).to_be_visible()
    label = main.locator("label[for='id_remember']")
    expect(label).to_have_text("Remember me")
    box, text = _box(checkbox), _box(label)
    assert abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) <= 4, (box, text)
    assert text["x"] > box["x"] + box["width"] - 1, (box, text)  # to its right, on the same line
    assert ":" not in (main.locator("form label").first.inner_text())


SENTENCE_CASE = re.compile(r"^\S+(?: [^A-Z]\S*)*$")  # no capitalised word after the first


@pytest.mark.parametrize(
    ("path", "heading", "button"),
    [
        ("/accounts/login/", "Sign in", "Sign in"),
        ("/accounts/signup/", "Sign up", "Sign up"),
        ("/accounts/password/reset/", "Password reset", "Reset my password"),
    ],
)
def test_sign_in_pages_use_sentence_case(
    new_ui: Any, world: dict[str, Any], path: str, heading: str, button: str
) -> None:
    ui = new_ui(color_scheme="dark")
    ui.goto(path)
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(heading)
    expect(main.get_by_role("button", name=button, exact=True)).to_be_visible()
    for text in main.locator("form label").all_inner_texts():
        assert SENTENCE_CASE.match(text.strip()), text


@SCHEMES
@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_main_pages_pass_axe_in_both_themes(
    new_ui: Any, world: dict[str, Any], scheme: str, phone: bool
) -> None:
    testing.make_member("olga", display_name="Olga Owner", role=Membership.OWNER)
    ui = new_ui(phone=phone, color_scheme=scheme)
    for path in ("/", "/accounts/signup/", "/accounts/password/reset/"):
        ui.goto(path)
    log_in(ui, "olga")
    for path in ("/home/", "/latest/", world["topic"].get_absolute_url(), "/settings/", "/members/"):
        ui.goto(path)
        _one_row(ui)
    ui.goto("/settings/community/members/")
    # Topic lists: the title is the row's one strong link, and each row's parts stay inside it.
    ui.goto("/latest/")
    row = ui.page.locator(".topic-row").first
    row_box = _box(row)
    for part in (".topic-title", ".participants", ".topic-row-stats"):
        inner = _box(row.locator(part))
        assert (
            inner["x"] >= row_box["x"] - 1
            and inner["x"] + inner["width"] <= row_box["x"] + row_box["width"] + 1
        )


@SCHEMES
def test_account_pages_label_their_fields_without_colons(
    new_ui: Any, world: dict[str, Any], scheme: str
) -> None:
    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    for path in ("/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"):
        ui.goto(path)
        main = ui.page.get_by_role("main")
        for text in main.locator("label, h1, h2").all_inner_texts():
            assert ":" not in text and SENTENCE_CASE.match(text.strip()), (path, text)
    expect(ui.page.get_by_role("main").get_by_role("heading", name="Authenticator app")).to_be_visible()


@SCHEMES
def test_a_cancel_link_beside_a_forms_main_button_looks_secondary(
    new_ui: Any, world: dict[str, Any], scheme: str
) -> None:
    ui = new_ui(phone=True, color_scheme=scheme)
    log_in(ui, "max")
    ui.goto(f"/t/{world['topic'].pk}/reply/")
    main = ui.page.get_by_role("main")
    post = main.get_by_role("button", name="Post reply")
    cancel = main.get_by_role("link", name="Cancel", exact=True)
    assert _background(post) != _background(cancel)
    assert _background(cancel) in ("rgba(0, 0, 0, 0)", "transparent")
    post_box, cancel_box = _box(post), _box(cancel)
    assert abs(post_box["height"] - cancel_box["height"]) <= 2  # drawn as a button, not a text link
