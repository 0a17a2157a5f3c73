"""update_profile and ProfileForm: the one path for profile writes (page, onboarding, API)."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.accounts.actions import ProfileInvalid, update_profile
from townhall.accounts.forms import ProfileForm
from townhall.accounts.models import Interest, User
from townhall.activity.models import Activity
from townhall.core.errors import PermissionDenied
from townhall.policy import Guardian


def full(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": user.display_name,
        "username": user.username,
        "bio": "",
        "location": "",
        "time_zone": "",
        "links": "",
        "interests": [],
        "new_interests": "",
        "can_help_with": "",
        "looking_for": "",
    }
    data.update(changes)
    return data


def test_update_profile_saves_every_field_and_records_activity(member: User) -> None:
    Interest.objects.create(name="Deep sky", slug="deep-sky", featured=True)
    Interest.objects.create(name="Comets", slug="comets", featured=True)
    data = full(
        member,
        display_name="  Max   Stargazer ",
        username="MaxS",
        bio="I **love** galaxies",
        location="Berlin",
        time_zone="Europe/Berlin",
        links="https://example.org/me\nhttp://astrobin.com/max",
        interests=["deep-sky"],
        new_interests="Planetary, solar imaging, deep SKY",
        can_help_with="Guiding",
        looking_for="A dark site",
    )
    update_profile(Guardian(member), member, data=data)
    member.refresh_from_db()
    assert member.display_name == "Max Stargazer"
    assert member.username == "MaxS"
    assert member.time_zone == "Europe/Berlin"
    assert member.links == ["https://example.org/me", "http://astrobin.com/max"]
    assert sorted(i.slug for i in member.interests.all()) == ["deep-sky", "planetary", "solar-imaging"]
    assert Interest.objects.get(slug="solar-imaging").featured is False
    activity = Activity.objects.get(verb="profile.updated")
    assert activity.actor_id == member.pk
    assert "interests" in activity.data["fields"]


def test_new_interest_matching_an_existing_name_reuses_it(member: User) -> None:
    existing = Interest.objects.create(name="Astro Sketching", slug="sketching")
    update_profile(Guardian(member), member, data=full(member, new_interests="astro sketching"))
    assert list(member.interests.all()) == [existing]
    assert Interest.objects.count() == 1


def test_unticking_every_interest_clears_them(member: User) -> None:
    interest = Interest.objects.create(name="Comets", slug="comets", featured=True)
    member.interests.add(interest)
    update_profile(Guardian(member), member, data=full(member))
    assert member.interests.count() == 0


def test_partial_update_keeps_other_fields(member: User) -> None:
    member.bio = "Keep me"
    member.links = ["https://example.org"]
    member.save()
    interest = Interest.objects.create(name="Comets", slug="comets", featured=True)
    member.interests.add(interest)
    update_profile(Guardian(member), member, data={"location": "Oslo"}, partial=True)
    member.refresh_from_db()
    assert (member.location, member.bio, member.links) == ("Oslo", "Keep me", ["https://example.org"])
    assert list(member.interests.all()) == [interest]


def test_links_accept_a_list(member: User) -> None:
    update_profile(Guardian(member), member, data={"links": ["https://a.example", " "]}, partial=True)
    member.refresh_from_db()
    assert member.links == ["https://a.example"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "ab"}, "username", "3 to 30"),
        ({"username": "has space"}, "username", "3 to 30"),
        ({"username": ""}, "username", "required"),
        ({"username": "MONA"}, "username", "taken"),
        ({"display_name": "x" * 81}, "display_name", "at most 80"),
        ({"bio": "x" * 4001}, "bio", "at most 4000"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
        ({"links": "javascript:alert(1)"}, "links", "http"),
        ({"links": "ftp://example.org"}, "links", "http"),
        ({"links": "\n".join(f"https://e.org/{i}" for i in range(6))}, "links", "at most 5"),
        ({"links": "https://e.org/" + "x" * 200}, "links", "under 200"),
        ({"links": {"a": 1}}, "links", "list"),
        ({"new_interests": "x" * 41}, "new_interests", "under 40"),
        ({"new_interests": "!!!"}, "new_interests", "letter or digit"),
        ({"new_interests": ", ".join(f"topic {i}" for i in range(21))}, "new_interests", "at most 20"),
        ({"interests": ["not-featured"]}, "interests", "valid choice"),
        ({"can_help_with": "x" * 301}, "can_help_with", "at most 300"),
        ({"looking_for": "x" * 301}, "looking_for", "at most 300"),
        ({"location": "x" * 101}, "location", "at most 100"),
    ],
)
def test_bad_input_is_refused_with_a_field_error(
    member: User, moderator: User, changes: dict[str, Any], field: str, message: str
) -> None:
    Interest.objects.create(name="Comets", slug="comets", featured=True)
    with pytest.raises(ProfileInvalid) as caught:
        update_profile(Guardian(member), member, data=full(member, **changes))
    assert field in caught.value.field_errors
    assert message in " ".join(caught.value.field_errors[field])
    assert caught.value.form.errors[field]
    assert not Activity.objects.filter(verb="profile.updated").exists()


def test_keeping_own_username_in_other_case_is_fine(member: User) -> None:
    update_profile(Guardian(member), member, data=full(member, username="MAX"))
    member.refresh_from_db()
    assert member.username == "MAX"


def test_someone_else_cannot_edit_a_profile(member: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        update_profile(Guardian(admin), member, data=full(member, bio="hacked"))


def test_banned_person_cannot_edit(banned: User) -> None:
    with pytest.raises(PermissionDenied):
        update_profile(Guardian(banned), banned, data=full(banned, bio="x"))


def test_anonymous_cannot_edit(member: User) -> None:
    with pytest.raises(PermissionDenied):
        update_profile(Guardian(None), member, data=full(member, bio="x"))


def test_form_initial_describes_current_profile(member: User) -> None:
    featured = Interest.objects.create(name="Comets", slug="comets", featured=True)
    other = Interest.objects.create(name="Sketching", slug="sketching")
    member.interests.add(featured, other)
    form = ProfileForm(user=member)
    assert form.initial["interests"] == ["comets"]
    assert form.initial["new_interests"] == "Sketching"
    html = form.as_div()
    assert 'value="comets"' in html


def test_form_requires_the_person() -> None:
    with pytest.raises(TypeError):
        ProfileForm({})
