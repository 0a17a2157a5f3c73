"""Whole journeys in Chromium, as people take them: real clicks and typing, emails read from the SMTP outbox.

Only the starting world (the community, its owner, a few spaces, the featured interests) comes from
factories. Every page the browser lands on is audited with axe-core by the `UI` helper.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import confirm_email, label, log_in, sidebar, sign_up
from playwright.sync_api import expect

import factories as testing
from townhall.accounts.models import Interest
from townhall.community.models import Membership
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    community = testing.make_community(landing_public=True)
    owner = testing.make_member("olivia", role=Membership.OWNER, display_name="Olivia Owner")
    for name in ("Deep sky", "Planets", "Wide field"):
        Interest.objects.create(name=name, slug=name.lower().replace(" ", "-"), featured=True)
    spaces = {
        "deep_sky": testing.make_space(
            "Deep sky", visibility=Space.PUBLIC, description="Nebulae and galaxies", members=[owner]
        ),
        "gear": testing.make_space("Gear talk", description="Mounts, cameras, filters", members=[owner]),
        "processing": testing.make_space("Processing", description="Stacking and editing", members=[owner]),
    }
    return {"community": community, "owner": owner, **spaces}


def onboard(ui: Any, *, display_name: str, interest: str, space_name: str, intro: str) -> None:
    """The four onboarding steps at /welcome/, each done properly (nothing skipped)."""
    page = ui.page
    main = page.get_by_role("main")
    assert ui.path.startswith("/welcome/"), ui.path
    expect(main.get_by_text(re.compile(r"step 1 of 4", re.I))).to_be_visible()

    # 1. The code of conduct: it is shown, and must be accepted.
    expect(main.get_by_text("Be kind. Share what you know.")).to_be_visible()
    main.get_by_role("checkbox", name=re.compile(r"code of conduct", re.I)).check()
    ui.click(main.get_by_role("button", name=re.compile(r"accept", re.I)))

    # 2. Profile and interests.
    expect(main.get_by_text(re.compile(r"step 2 of 4", re.I))).to_be_visible()
    main.get_by_label(label("display name")).fill(display_name)
    main.get_by_label(label("about you|bio")).fill("I photograph the *Orion nebula* from my balcony.")
    main.get_by_role("checkbox", name=interest, exact=True).check()
    main.get_by_label(label("other interests")).fill("Light pollution")
    ui.click(main.get_by_role("button", name=re.compile(r"save and continue|continue", re.I)))

    # 3. Spaces: the suggestion for the chosen interest is ticked; add one more.
    expect(main.get_by_text(re.compile(r"step 3 of 4", re.I))).to_be_visible()
    spaces = main.get_by_role("group", name=re.compile(r"spaces", re.I))
    expect(spaces.get_by_role("checkbox", name=re.compile(interest))).to_be_checked()
    spaces.get_by_role("checkbox", name=re.compile(space_name)).check()
    ui.click(main.get_by_role("button", name=re.compile(r"^continue", re.I)))

    # 4. An introduction.
    expect(main.get_by_text(re.compile(r"step 4 of 4", re.I))).to_be_visible()
    main.get_by_role("textbox", name=label("introduce yourself|introduction")).fill(intro)
    ui.click(main.get_by_role("button", name=re.compile(r"post my introduction", re.I)))
    assert not ui.path.startswith("/welcome/"), f"still onboarding at {ui.path}"


# --- a. a visitor becomes a member -----------------------------------------------------------------------
def test_visitor_signs_up_verifies_onboards_joins_a_space_and_edits_profile(
    ui: Any, world: dict[str, Any], mail_link: Any
) -> None:
    community = world["community"]
    page = ui.page
    main = page.get_by_role("main")

    ui.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(community.name)
    expect(main.get_by_text("We help each other capture the night sky.")).to_be_visible()
    ui.click(main.get_by_role("link", name=f"Join {community.name}"))

    sign_up(ui, email="vera@example.org", username="vera")
    confirm_email(ui, mail_link, "vera@example.org")

    # A fresh account is led to join, then into onboarding.
    if not ui.path.startswith("/welcome/"):
        ui.goto("/welcome/")
    join = main.get_by_role("button", name=f"Join {community.name}")
    if join.count():
        ui.click(join)
    onboard(
        ui, display_name="Vera Rubin", interest="Deep sky", space_name="Gear talk", intro="Hi all, Vera here!"
    )
    membership = Membership.objects.get(user__username="vera")
    assert membership.state == Membership.ACTIVE
    assert membership.introduced_at is not None and membership.coc_accepted_at is not None
    for name in ("Deep sky", "Gear talk"):
        expect(sidebar(ui).get_by_role("link", name=re.compile(name))).to_be_visible()

    # Browse all spaces and join one more (htmx swaps the card; the sidebar shows it after a reload).
    ui.click(sidebar(ui).get_by_role("link", name="All spaces"))
    assert ui.path == "/spaces/"
    ui.act(main.get_by_role("button", name="Join Processing"))
    expect(main.get_by_role("button", name="Leave Processing")).to_be_visible()
    assert SpaceMembership.objects.filter(space=world["processing"], user__username="vera").exists()
    ui.click(main.get_by_role("link", name=re.compile("Processing")).first)
    assert ui.path == f"/s/{world['processing'].slug}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Processing")
    expect(sidebar(ui).get_by_role("link", name=re.compile("Processing"))).to_be_visible()

    # Edit the profile and see it on the profile page.
    ui.click(page.get_by_role("banner").get_by_role("link", name="Your profile"))
    assert ui.path == "/u/vera/"
    ui.click(main.get_by_role("link", name="Edit profile"))
    assert ui.path.startswith("/settings/profile/"), ui.path
    main.get_by_label(label("display name")).fill("Vera C. Rubin")
    main.get_by_label(label("location")).fill("Cerro Pachón")
    main.get_by_label(label("about you|bio")).fill("Dark matter **enthusiast**.")
    ui.act(main.get_by_role("button", name=re.compile(r"save profile", re.I)))
    ui.click(page.get_by_role("banner").get_by_role("link", name="Your profile"))
    assert ui.path == "/u/vera/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vera C. Rubin")
    expect(main.get_by_text("Cerro Pachón")).to_be_visible()
    expect(main.locator("strong", has_text="enthusiast")).to_be_visible()
    expect(main.get_by_text("Deep sky").first).to_be_visible()


# --- b. the owner sets up, invites, and the invitee gets into the private space ----------------------------
def test_owner_edits_settings_creates_private_space_and_invites_someone_who_joins_it(
    new_ui: Any, world: dict[str, Any], mail_link: Any
) -> None:
    owner_ui = new_ui(label="owner")
    page = owner_ui.page
    main = page.get_by_role("main")

    log_in(owner_ui, "olivia")
    assert owner_ui.path == "/home/"

    # Community settings: name, tagline, accent colour — seen at once on the page.
    owner_ui.click(sidebar(owner_ui).get_by_role("link", name="Community settings"))
    assert owner_ui.path == "/settings/community/"
    main.get_by_label(label("name")).fill("Dark Sky Friends")
    main.get_by_label(label("tagline")).fill("Protecting the night, one photo at a time")
    main.get_by_label(label("accent colou?r")).fill("#0b7285")
    owner_ui.act(main.get_by_role("button", name=re.compile(r"^save", re.I)))
    expect(page.get_by_role("banner").get_by_role("link", name="Dark Sky Friends")).to_be_visible()
    expect(page).to_have_title(re.compile("Dark Sky Friends"))
    accent = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#0b7285"

    # A private space, created from the spaces page.
    owner_ui.click(sidebar(owner_ui).get_by_role("link", name="All spaces"))
    owner_ui.click(main.get_by_role("link", name="New space"))
    assert owner_ui.path == "/spaces/new/"
    main.get_by_label(label("name")).fill("Mentors circle")
    main.get_by_label(label("description")).fill("Where mentors compare notes")
    visibility = main.get_by_role("group", name=re.compile("visibility", re.I))
    visibility.get_by_role("radio", name=re.compile(r"^private", re.I)).check()
    owner_ui.click(main.get_by_role("button", name="Create space"))
    space = Space.objects.get(name="Mentors circle")
    assert space.visibility == Space.PRIVATE
    assert owner_ui.path == f"/s/{space.slug}/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentors circle")

    # An email invitation to the community.
    owner_ui.click(sidebar(owner_ui).get_by_role("link", name="Community settings"))
    owner_ui.click(
        page.get_by_role("navigation", name="Community settings").get_by_role("link", name="Invitations")
    )
    assert owner_ui.path == "/settings/community/invitations/"
    main.get_by_label(label("email address")).fill("ines@example.org")
    main.get_by_label(label("personal note")).fill("Come and mentor with us!")
    owner_ui.act(main.get_by_role("button", name="Create invitation"))
    expect(main.get_by_role("cell", name=re.compile("ines@example.org"))).to_be_visible()
    invite_path = mail_link("ines@example.org", r"^/invite/[^/]+/$")

    # The invitee: an account made from the invitation, the email verified, the invitation accepted.
    guest = new_ui(label="invitee")
    gpage = guest.page
    gmain = gpage.get_by_role("main")
    guest.goto(invite_path)
    expect(gpage.get_by_role("heading", level=1)).to_contain_text("Dark Sky Friends")
    expect(gmain.get_by_text("Come and mentor with us!")).to_be_visible()
    guest.click(gmain.get_by_role("link", name=re.compile(r"create an account", re.I)))
    sign_up(guest, email="ines@example.org", username="ines")
    confirm_email(guest, mail_link, "ines@example.org")
    if not guest.path.startswith("/invite/"):
        guest.goto(invite_path)
    guest.click(gmain.get_by_role("button", name=re.compile(r"accept the invitation", re.I)))
    assert Membership.objects.get(user__username="ines").state == Membership.ACTIVE

    # The private space is listed; she asks to join it.
    guest.goto("/spaces/")
    guest.click(gmain.get_by_role("link", name=re.compile("Mentors circle")))
    assert guest.path == f"/s/{space.slug}/"
    message = gmain.get_by_label(re.compile(r"message to the moderators", re.I))
    message.fill("I have mentored beginners for years.")
    guest.act(gmain.get_by_role("button", name=re.compile(r"request to join", re.I)))
    expect(gmain.get_by_text(re.compile(r"request sent", re.I))).to_be_visible()

    # The owner approves the request on the space's members page.
    owner_ui.goto(f"/s/{space.slug}/")
    owner_ui.click(main.get_by_role("link", name=re.compile(r"members", re.I)).first)
    assert owner_ui.path == f"/s/{space.slug}/members/"
    requests = main.get_by_role("region", name="Requests to join")
    expect(requests.get_by_text("I have mentored beginners for years.")).to_be_visible()
    owner_ui.act(requests.get_by_role("button", name="Approve @ines"))
    expect(requests.get_by_role("button", name="Approve @ines")).to_have_count(0)

    # She is in.
    guest.goto(f"/s/{space.slug}/")
    expect(gmain.get_by_text(re.compile(r"you're a member", re.I))).to_be_visible()
    expect(sidebar(guest).get_by_role("link", name=re.compile("Mentors circle"))).to_be_visible()
    row = SpaceMembership.objects.get(space=space, user__username="ines")
    assert row.state == SpaceMembership.ACTIVE


# --- c. phone width (dark theme): a member's home and the sidebar toggle ------------------------------------------------
def test_member_home_at_phone_width_with_the_sidebar_toggle(new_ui: Any, world: dict[str, Any]) -> None:
    member = testing.make_member("max", display_name="Max Member")
    testing.make_space("Night owls", members=[member])
    ui = new_ui(phone=True, color_scheme="dark")
    ui.goto("/")
    log_in(ui, "max")
    assert ui.path == "/home/"
    page = ui.page
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "page overflows"
    )
    menu = page.get_by_role("button", name="Menu")
    nav_link = page.locator("#sidebar").get_by_role("link", name=re.compile("Night owls"))
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav_link).not_to_be_in_viewport()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_in_viewport()
    ui.audit()  # the open drawer must be accessible too
    ui.click(nav_link)
    assert ui.path == "/s/night-owls/"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Night owls")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
