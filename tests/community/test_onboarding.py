"""Onboarding: code of conduct, profile and interests, suggested spaces, introduction."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.accounts.models import Interest
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.models import Membership
from townhall.core.errors import Invalid
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

PROFILE = {
    "username": "nina",
    "display_name": "Nina N.",
    "bio": "I love comets",
    "location": "Lisbon",
    "time_zone": "Europe/Lisbon",
    "links": "",
    "new_interests": "Comets, Deep sky",
    "can_help_with": "",
    "looking_for": "",
}


def membership_of(user: Any) -> Membership:
    return Membership.objects.get(user=user)


def test_walk_through_every_step(client_for: Any, newcomer: Any) -> None:
    deep = testing.make_space("Deep sky imaging", description="Galaxies and nebulae")
    other = testing.make_space("Gear talk", description="Mounts and cameras")
    c = client_for(newcomer)

    page = c.get("/welcome/")
    assert b"Step 1 of 4" in page.content
    assert b"Be kind. Share what you know." in page.content
    missing = c.post("/welcome/", {"step": "coc"})
    assert missing.status_code == 400
    assert b"Tick the box" in missing.content
    assert c.post("/welcome/", {"step": "coc", "agree": "1"}).status_code == 302
    assert membership_of(newcomer).coc_accepted_at is not None

    page = c.get("/welcome/")
    assert b"Step 2 of 4" in page.content
    bad = c.post("/welcome/", {**PROFILE, "step": "profile", "username": "x"})
    assert bad.status_code == 400
    assert membership_of(newcomer).profile_completed_at is None
    assert c.post("/welcome/", {**PROFILE, "step": "profile"}).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.location == "Lisbon"
    assert {i.name for i in newcomer.interests.all()} == {"Comets", "Deep sky"}

    page = c.get("/welcome/")
    assert b"Step 3 of 4" in page.content
    content = page.content.decode()
    # The interest-matching space comes first and is pre-ticked.
    assert content.index("Deep sky imaging") < content.index("Gear talk")
    assert f'value="{deep.pk}" checked' in content
    assert f'value="{other.pk}" checked' not in content
    assert c.post("/welcome/", {"step": "spaces", "spaces": [str(deep.pk)]}).status_code == 302
    assert SpaceMembership.objects.filter(space=deep, user=newcomer, state="active").exists()
    assert not SpaceMembership.objects.filter(space=other, user=newcomer).exists()

    page = c.get("/welcome/")
    assert b"Step 4 of 4" in page.content
    empty = c.post("/welcome/", {"step": "intro", "introduction": ""})
    assert empty.status_code == 400
    assert b"Write a few words, or skip this step." in empty.content
    response = c.post("/welcome/", {"step": "intro", "introduction": "Hi, I'm Nina and I chase comets."})
    assert response["Location"] == "/home/"
    m = membership_of(newcomer)
    assert m.onboarded
    assert m.introduction == "Hi, I'm Nina and I chase comets."
    assert c.get("/welcome/")["Location"] == "/home/"
    verbs = set(Activity.objects.filter(actor=newcomer).values_list("verb", flat=True))
    assert {"onboarding.coc_accepted", "onboarding.profile_completed", "onboarding.spaces_chosen"} <= verbs
    home = c.get("/home/")
    assert b"Continue onboarding" not in home.content
    assert b"I chase comets" in c.get(f"/u/{newcomer.username}/").content  # their home greets others


def test_introduction_can_be_skipped(client_for: Any, newcomer: Any) -> None:
    Membership.objects.filter(user=newcomer).update(
        coc_accepted_at="2026-01-01T00:00Z",
        profile_completed_at="2026-01-01T00:00Z",
        spaces_chosen_at="2026-01-01T00:00Z",
    )
    response = client_for(newcomer).post("/welcome/", {"step": "intro", "skip": "1"})
    assert response["Location"] == "/home/"
    m = membership_of(newcomer)
    assert m.onboarded
    assert m.introduction == ""


def test_home_nudges_until_onboarded(client_for: Any, newcomer: Any) -> None:
    response = client_for(newcomer).get("/home/")
    assert b"Continue onboarding" in response.content


def test_a_stale_step_post_moves_on(client_for: Any, member: Any) -> None:
    Membership.objects.filter(user=member).update(introduced_at=None)
    response = client_for(member).post("/welcome/", {"step": "coc", "agree": "1"})
    assert response.status_code == 302
    assert membership_of(member).introduced_at is None


def test_private_spaces_become_requests(newcomer: Any) -> None:
    private = testing.make_space("Imaging circle", visibility=Space.PRIVATE)
    actions.finish_space_selection(Guardian(newcomer), spaces=[private])
    assert SpaceMembership.objects.get(space=private, user=newcomer).state == SpaceMembership.REQUESTED
    assert membership_of(newcomer).spaces_chosen_at is not None


def test_introduction_length_is_limited(member: Any) -> None:
    with pytest.raises(Invalid, match="2000"):
        actions.write_introduction(Guardian(member), text="x" * 2001)


def test_suspended_is_not_onboarded(client_for: Any, suspended: Any) -> None:
    Membership.objects.filter(user=suspended).update(coc_accepted_at=None)
    response = client_for(suspended).get("/welcome/")
    assert response["Location"] == "/home/"


def test_featured_interests_are_offered(client_for: Any, newcomer: Any) -> None:
    Interest.objects.create(name="Planets", slug="planets", featured=True)
    Membership.objects.filter(user=newcomer).update(coc_accepted_at="2026-01-01T00:00Z")
    response = client_for(newcomer).get("/welcome/")
    assert b"Planets" in response.content
