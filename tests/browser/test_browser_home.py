"""The member's home feed, the Leave menus, profiles' recent posts, the members table with a filter and a
bulk action, and the reactions and tags settings: in Chromium on a phone and a desktop, axe clean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.community.models import Membership
from townhall.discussions import actions
from townhall.discussions.queries import FEED_PAGE
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db: None, settings: Any) -> dict[str, Any]:
    settings.DISCUSSIONS_TOPIC_RATE = settings.DISCUSSIONS_POST_RATE = "10000/m"
    testing.make_community()
    owner = testing.make_member("olivia", role=Membership.OWNER, display_name="Olivia Owner")
    max_ = testing.make_member("max", display_name="Max Member")
    lisa = testing.make_member("lisa", display_name="Lisa Lens")
    Membership.objects.filter(user=lisa).update(introduction="I photograph *comets* from Lisbon.")
    planets = testing.make_space("Planets", members=[owner, max_, lisa], icon="🪐")
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[owner])
    for i in range(FEED_PAGE + 2):
        topic = actions.create_topic(
            Guardian(lisa), planets, title=f"Observing log {i:02d}", body=f"Seen tonight, entry {i}."
        )
        actions.create_post(
            Guardian(owner), topic, body=f"A reply to log {i} with https://example.org/{'x' * 80}"
        )
    actions.mark_read(Guardian(max_), topic, position=1)
    actions.create_post(Guardian(lisa), topic, body="Something new since you looked")
    actions.create_topic(Guardian(owner), private, title="Owners only", body="Not for everyone.")
    return {"owner": owner, "max": max_, "lisa": lisa, "planets": planets}


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_home_feed_load_more_and_the_leave_menus(new_ui: Any, world: dict[str, Any], phone: bool) -> None:
    ui = new_ui(phone=phone, color_scheme="dark" if phone else "light")
    log_in(ui, "max")
    ui.goto("/home/")
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", name="Continue reading")).to_be_visible()
    expect(main.get_by_role("heading", name="New in your spaces")).to_be_visible()
    expect(main.get_by_role("heading", name="Say hello to new members")).to_be_visible()
    expect(main.get_by_text("I photograph comets from Lisbon.")).to_be_visible()
    assert "Owners only" not in ui.page.content()
    feed_titles = main.locator(".feed-title")
    expect(feed_titles).to_have_count(FEED_PAGE)
    ui.act(main.get_by_role("link", name="Load more"))
    expect(feed_titles).to_have_count(FEED_PAGE + 2)
    expect(main.get_by_role("link", name="Load more")).to_have_count(0)

    # The Leave action waits in a menu: opened from the keyboard, it offers the button.
    leave = main.get_by_role("button", name="Leave Night Sky Collective")
    expect(leave).to_be_hidden()
    main.locator("summary", has_text="More options for Night Sky Collective").focus()
    ui.page.keyboard.press("Enter")
    expect(leave).to_be_visible()
    ui.audit()

    ui.goto(f"/s/{world['planets'].slug}/")
    space_leave = ui.page.get_by_role("button", name="Leave Planets")
    expect(space_leave).to_be_hidden()
    ui.page.locator("summary", has_text="More options for Planets").click()
    expect(space_leave).to_be_visible()
    ui.audit()
    ui.act(space_leave)
    expect(ui.page.get_by_role("button", name=re.compile("^Join"))).to_be_visible()
    assert not SpaceMembership.objects.filter(space=world["planets"], user=world["max"]).exists()


def test_profile_shows_recent_posts(ui: Any, world: dict[str, Any]) -> None:
    log_in(ui, "max")
    ui.goto("/u/lisa/")
    section = ui.page.get_by_role("region", name="Recent topics and replies")
    expect(section.get_by_role("link", name="Observing log 09").first).to_be_visible()
    ui.goto("/u/olivia/")
    assert "Owners only" not in ui.page.content()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_members_table_filter_and_bulk_action(new_ui: Any, world: dict[str, Any], phone: bool) -> None:
    testing.make_group("Berlin chapter")
    ui = new_ui(phone=phone, color_scheme="light" if phone else "dark")
    log_in(ui, "olivia")
    ui.goto("/settings/community/members/")
    main = ui.page.get_by_role("main")
    main.get_by_label("Role", exact=True).first.select_option("member")
    main.get_by_label("Sort by").select_option("posts")
    ui.click(main.get_by_role("button", name="Show"))
    assert "role=member" in ui.path and "sort=posts" in ui.path
    expect(main.get_by_text("2 members match")).to_be_visible()
    rows = main.locator("table.member-table tbody tr")
    expect(rows.first).to_contain_text("Lisa Lens")  # the most posts first

    main.get_by_label("Select @lisa").check()
    main.get_by_label("Select @max").check()
    main.get_by_label("Action").select_option("add_to_group")
    main.locator("#bulk-group").select_option("berlin-chapter")
    ui.click(main.get_by_role("button", name="Apply to selected"))
    expect(ui.page.get_by_text("Add to group Berlin chapter: done for @lisa, @max.")).to_be_visible()
    assert "role=member" in ui.path  # back on the same filtered page
    expect(rows.first).to_contain_text("Berlin chapter")

    # A row's own menu, from the keyboard.
    main.locator("summary", has_text="Manage @max").focus()
    ui.page.keyboard.press("Enter")
    expect(main.get_by_role("button", name="Suspend @max")).to_be_visible()
    ui.audit()


def test_reactions_and_tags_settings(ui: Any, world: dict[str, Any]) -> None:
    topic = actions.create_topic(
        Guardian(world["lisa"]), world["planets"], title="Tagged", body="Body", tags=["Astro", "Astrophoto"]
    )
    log_in(ui, "olivia")
    ui.goto("/settings/community/reactions/")
    main = ui.page.get_by_role("main")
    main.get_by_label("Emoji").fill("🔭")
    main.get_by_label("Name").fill("Telescope")
    ui.click(main.get_by_role("button", name="Add reaction"))
    expect(ui.page.get_by_text("🔭 Telescope added.")).to_be_visible()
    ui.click(main.get_by_role("button", name="Move Telescope up"))
    ui.goto("/settings/community/tags/")
    main.locator("summary", has_text="Change #Astrophoto").click()
    main.get_by_label("Merge #Astrophoto into").fill("astro")
    ui.click(main.get_by_role("button", name="Merge"))
    expect(ui.page.get_by_text("#Astrophoto merged into #Astro.")).to_be_visible()
    assert list(topic.tags.values_list("name", flat=True)) == ["Astro"]
