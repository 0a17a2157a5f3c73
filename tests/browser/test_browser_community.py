"""Community pages in a real browser: every page a member, a moderator, an applicant and an invitee
sees passes axe-core, and the in-page (htmx) actions work."""

from __future__ import annotations

from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.accounts.models import Interest
from townhall.community.models import Community, Invitation, Membership

pytestmark = pytest.mark.browser


@pytest.fixture
def crowd(db: None) -> dict[str, Any]:
    community = testing.make_community(
        join_policy=Community.APPROVAL, screening_questions=["What do you photograph?", "Which telescope?"]
    )
    owner = testing.make_member("olivia", role=Membership.OWNER, display_name="Olivia Owner")
    comets = Interest.objects.create(name="Comets", slug="comets", featured=True)
    group = testing.make_group("Berlin chapter")
    for i in range(4):
        person = testing.make_member(f"member{i}", display_name=f"Member {i}", location="Berlin")
        person.interests.add(comets)
        group.members.add(person)
        Membership.objects.filter(user=person).update(introduction=f"Hello, I am member {i}.")
    owner.interests.add(comets)
    applicant = testing.make_member("pat", state=Membership.PENDING, onboarded=False)
    Membership.objects.filter(user=applicant).update(
        screening_answers=[{"question": "What do you photograph?", "answer": "Nebulae"}]
    )
    testing.make_member("sam", state=Membership.SUSPENDED)
    return {"community": community, "owner": owner, "group": group}


def test_owner_pages_pass_axe_and_review_works_in_page(ui: Any, crowd: dict[str, Any]) -> None:
    ui.goto("/accounts/login/")
    log_in(ui, "olivia")
    for path in [
        "/home/",
        "/members/",
        "/members/?interest=comets",
        "/settings/community/",
        "/settings/community/invitations/",
        "/settings/community/members/",
        "/settings/community/groups/",
        "/settings/community/groups/berlin-chapter/",
        "/settings/community/applications/",
    ]:
        ui.goto(path)
    expect(ui.page.get_by_text("Nebulae")).to_be_visible()
    ui.act(ui.page.get_by_role("button", name="Approve"))
    expect(ui.page.get_by_text("application approved")).to_be_visible()
    assert Membership.objects.get(user__username="pat").state == Membership.ACTIVE

    ui.goto("/settings/community/invitations/")
    ui.click(ui.page.get_by_role("button", name="Create invitation"))
    expect(ui.page.get_by_text("Invitation link created.")).to_be_visible()
    ui.page.get_by_role("button", name="Revoke").click()  # asks first, in a dialog
    ui.act(ui.page.get_by_role("dialog").get_by_role("button", name="Revoke invitation"))
    expect(ui.page.get_by_role("cell", name="Revoked")).to_be_visible()
    assert Invitation.objects.get().revoked_at is not None


def test_applicant_and_invitee_pages_pass_axe(new_ui: Any, crowd: dict[str, Any]) -> None:
    testing.make_user("otto")
    invitation = Invitation.objects.create(
        token="browser-token", created_by=crowd["owner"], note="Come along!"
    )
    visitor = new_ui(label="visitor")
    visitor.goto(f"/invite/{invitation.token}/")
    expect(visitor.page.get_by_text("Come along!")).to_be_visible()

    applicant = new_ui(label="outsider", color_scheme="dark")
    applicant.goto("/accounts/login/")
    log_in(applicant, "otto")
    applicant.goto("/welcome/")
    applicant.page.get_by_label("What do you photograph?").fill("Comets")
    applicant.page.get_by_label("Which telescope?").fill("Binoculars")
    applicant.click(applicant.page.get_by_role("button", name="Send my application"))
    expect(applicant.page.get_by_role("heading", level=1)).to_have_text("Waiting for review")

    applicant.goto(f"/invite/{invitation.token}/")
    applicant.click(applicant.page.get_by_role("button", name="Accept the invitation"))
    expect(applicant.page.get_by_text("Step 1 of 4")).to_be_visible()


def test_suspended_member_home_passes_axe(ui: Any, crowd: dict[str, Any]) -> None:
    ui.goto("/accounts/login/")
    log_in(ui, "sam")
    ui.goto("/home/")
    expect(ui.page.get_by_text("Your membership is suspended")).to_be_visible()
    ui.goto("/members/")
