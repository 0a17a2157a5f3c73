"""Steps that several browser journeys share (sign up, confirm an email, log in) and a label matcher."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

import factories as testing

NEW_PASSWORD = "Orion-nebula-42-shines"


def label(name: str) -> re.Pattern[str]:
    """A form label, however it is punctuated ("Email", "Email:", "Email *")."""
    return re.compile(rf"^\s*(?:{name})\s*:?\s*\*?\s*$", re.I)


def sign_up(ui: Any, *, email: str, username: str) -> None:
    """On the sign-up page: fill allauth's form and send it."""
    page = ui.page
    assert ui.path.startswith("/accounts/signup/"), ui.path
    page.get_by_label(label("e-?mail( address)?")).fill(email)
    page.get_by_label(label("username")).fill(username)
    page.get_by_label(label("password")).fill(NEW_PASSWORD)
    page.get_by_label(label(r"password \(again\)|confirm password|repeat password")).fill(NEW_PASSWORD)
    ui.click(page.get_by_role("main").get_by_role("button", name=re.compile(r"sign up", re.I)))


def confirm_email(ui: Any, mail_link: Any, email: str) -> None:
    """Open the verification link from the email and confirm the address."""
    expect(ui.page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"verify|confirm|check", re.I))
    ui.goto(mail_link(email, r"/accounts/confirm-email/"))
    ui.click(ui.page.get_by_role("main").get_by_role("button", name=re.compile(r"confirm", re.I)))


def log_in(ui: Any, username: str, password: str = testing.PASSWORD) -> None:
    ui.goto("/accounts/login/")
    ui.page.get_by_label(label("username or e-?mail|login")).fill(username)
    ui.page.get_by_label(label("password")).fill(password)
    ui.click(ui.page.get_by_role("main").get_by_role("button", name=re.compile(r"sign in|log in", re.I)))


def sidebar(ui: Any) -> Any:
    """The spaces sidebar (on a phone it is a drawer behind the Menu button)."""
    return ui.page.get_by_role("complementary", name="Spaces")
