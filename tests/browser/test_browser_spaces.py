"""Every spaces page in a real browser, both themes, with axe-core: lists, a space, members (htmx
approve), create, settings, sidebar arrangement, and joining from the list at phone width."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from django.utils import timezone
from playwright.sync_api import expect

import factories as testing
from townhall.community.models import Membership
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_spaces_pages_in_both_themes(new_ui: Any, db: None, scheme: str) -> None:
    testing.make_community()
    admin = testing.make_member("adam", role=Membership.ADMIN, display_name="Adam Admin")
    member = testing.make_member("max", display_name="Max Member")
    observing = SidebarSection.objects.create(name="Observing")
    testing.make_space("Open skies", visibility=Space.PUBLIC, description="For everyone", section=observing)
    inner = testing.make_space(
        "Inner", visibility=Space.PRIVATE, moderators=[admin], posting=Space.MODERATORS
    )
    SpaceMembership.objects.create(
        space=inner, user=member, state=SpaceMembership.REQUESTED, request_message="hi"
    )
    testing.make_space("Members corner")

    visitor = new_ui(color_scheme=scheme)
    visitor.goto("/spaces/")
    visitor.goto("/s/open-skies/")
    expect(visitor.page.get_by_text("No discussions yet")).to_be_visible()

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "adam")
    for path in [
        "/spaces/",
        "/s/open-skies/",
        "/s/inner/",
        "/spaces/new/",
        "/s/inner/settings/",
        "/settings/spaces/",
    ]:
        ui.goto(path)
    ui.goto("/s/inner/members/")
    ui.act(ui.page.get_by_role("button", name="Approve @max"))
    expect(ui.page.get_by_text("approved — they are in")).to_be_visible()

    phone = new_ui(color_scheme=scheme, phone=True)
    log_in(phone, "max")
    phone.goto("/spaces/")
    phone.act(phone.page.get_by_role("button", name="Join Members corner"))
    expect(phone.page.get_by_role("button", name="Leave Members corner")).to_be_visible()
    phone.goto("/s/inner/")
    expect(phone.page.get_by_role("heading", level=1)).to_contain_text("Inner")
    assert phone.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert re.search("Only moderators post", phone.page.content())


def test_a_refused_htmx_action_shows_its_reason(new_ui: Any, db: None) -> None:
    testing.make_community()
    testing.make_member("max", display_name="Max Member")
    space = testing.make_space("Planets")
    ui = new_ui()
    log_in(ui, "max")
    ui.goto("/spaces/")
    # Someone archives the space while the page is open: the Join click is refused with a reason.
    Space.objects.filter(pk=space.pk).update(archived_at=timezone.now())
    ui.act(ui.page.get_by_role("button", name="Join Planets"))
    expect(ui.page.get_by_role("status")).to_contain_text("This space is archived, so nobody can join it.")
