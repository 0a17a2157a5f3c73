"""Community settings (view and API) and groups."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

import factories as testing
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.models import Community, Group, GroupMember
from townhall.core.errors import Invalid
from townhall.policy import Guardian

VALID = {
    "name": "Dark Sky Friends",
    "tagline": "Look up",
    "mission": "Protect the **night**.",
    "values": "Curiosity",
    "code_of_conduct": "Be kind.",
    "accent_color": "#112233",
    "landing_public": "on",
    "join_policy": "approval",
    "question_0": "What do you observe?",
    "question_1": "",
}


def png(size: tuple[int, int] = (1200, 800)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def test_admin_saves_settings_with_logo(client_for: Any, admin: Any) -> None:
    response = client_for(admin).post("/settings/community/", {**VALID, "logo": png()})
    assert response.status_code == 302, response.content[:2000]
    community = Community.objects.get()
    assert (community.name, community.accent_color, community.join_policy) == (
        "Dark Sky Friends",
        "#112233",
        "approval",
    )
    assert community.screening_questions == ["What do you observe?"]
    with Image.open(community.logo.path) as image:
        assert max(image.size) == 512
    assert Activity.objects.filter(verb="community.updated").exists()
    page = client_for(admin).get("/")
    assert page.status_code == 302  # members go home
    assert b"Dark Sky Friends" in client_for(admin).get("/home/").content


def test_fake_image_is_refused(client_for: Any, admin: Any) -> None:
    fake = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = client_for(admin).post("/settings/community/", {**VALID, "logo": fake})
    assert response.status_code == 400
    assert b"Upload a PNG, JPEG, GIF or WebP image." in response.content
    assert Community.objects.get().name == "Night Sky Collective"


def test_bad_colour_is_refused(client_for: Any, admin: Any) -> None:
    response = client_for(admin).post("/settings/community/", {**VALID, "accent_color": "red"})
    assert response.status_code == 400
    assert b"Use a colour like #3b5bdb." in response.content


def test_question_limits(admin: Any, community: Community) -> None:
    g = Guardian(admin)
    with pytest.raises(Invalid, match="at most 5"):
        actions.update_community(g, community, screening_questions=["q"] * 6)
    with pytest.raises(Invalid, match="300"):
        actions.update_community(g, community, screening_questions=["x" * 301])


def test_member_cannot_change_settings(client_for: Any, member: Any) -> None:
    response = client_for(member).post("/settings/community/", VALID)
    assert response.status_code == 403
    assert Community.objects.get().name == "Night Sky Collective"


# --- API ----------------------------------------------------------------------------------------
def test_get_community_public(client: Any, community: Community) -> None:
    body = client.get("/api/v1/community").json()
    assert body["name"] == "Night Sky Collective"
    assert body["mission"] == "We help each other capture the night sky."
    assert body["viewer_state"] is None


def test_get_community_private_hides_mission_from_visitors(client: Any, client_for: Any, member: Any) -> None:
    Community.objects.filter(pk=1).update(landing_public=False)
    body = client.get("/api/v1/community").json()
    assert body["name"] == "Night Sky Collective"
    assert body["mission"] is None
    assert client_for(member).get("/api/v1/community").json()["mission"].startswith("We help")


def test_patch_community_by_admin(client_for: Any, admin: Any) -> None:
    c = client_for(admin)
    response = c.patch(
        "/api/v1/community", {"tagline": "New", "join_policy": "invite"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["tagline"] == "New"
    assert Community.objects.get().join_policy == "invite"
    bad = c.patch("/api/v1/community", {"accent_color": "nope"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"accent_color": ["Use a colour like #3b5bdb."]}


def test_patch_community_refused_for_members(client_for: Any, member: Any, client: Any) -> None:
    response = client_for(member).patch(
        "/api/v1/community", {"tagline": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Only the community's admins can change its settings."
    assert (
        client.patch("/api/v1/community", {"tagline": "x"}, content_type="application/json").status_code
        == 401
    )


# --- landing ------------------------------------------------------------------------------------
def test_landing_shows_identity_and_public_spaces(client: Any, community: Community) -> None:
    testing.make_space("Show and tell", visibility="public")
    testing.make_space("Members lounge", visibility="members")
    response = client.get("/")
    assert response.status_code == 200
    assert b"We help each other capture the night sky." in response.content
    assert b"Show and tell" in response.content
    assert b"Members lounge" not in response.content


def test_private_landing_sends_visitors_to_login(client: Any, community: Community) -> None:
    Community.objects.filter(pk=1).update(landing_public=False)
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- groups -------------------------------------------------------------------------------------
def test_group_lifecycle_by_views(client_for: Any, admin: Any, member: Any) -> None:
    c = client_for(admin)
    response = c.post("/settings/community/groups/", {"name": "Berlin chapter", "description": "Hi"})
    assert response["Location"] == "/settings/community/groups/berlin-chapter/"
    group = Group.objects.get()
    assert (
        c.post(f"/settings/community/groups/{group.slug}/members/", {"username": "@MAX"}).status_code == 302
    )
    assert GroupMember.objects.filter(group=group, user=member).exists()
    again = c.post(f"/settings/community/groups/{group.slug}/members/", {"username": "max"}, follow=True)
    assert b"already in this group" in again.content
    nobody = c.post(f"/settings/community/groups/{group.slug}/members/", {"username": "ghost"}, follow=True)
    assert b"Nobody is called @ghost" in nobody.content
    renamed = c.post(f"/settings/community/groups/{group.slug}/", {"name": "Berlin", "description": ""})
    assert renamed["Location"] == "/settings/community/groups/berlin/"
    assert c.post("/settings/community/groups/berlin/members/max/remove/").status_code == 302
    assert not GroupMember.objects.exists()
    assert c.post("/settings/community/groups/berlin/delete/").status_code == 302
    assert not Group.objects.exists()
    assert Activity.objects.filter(verb__startswith="group.").count() == 5


def test_duplicate_group_name_is_refused(client_for: Any, admin: Any) -> None:
    testing.make_group("Mentors")
    response = client_for(admin).post("/settings/community/groups/", {"name": "mentors"})
    assert response.status_code == 400
    assert b"A group with that name already exists." in response.content


def test_outsiders_cannot_be_added_to_groups(admin: Any, outsider: Any) -> None:
    group = testing.make_group("Mentors")
    with pytest.raises(Invalid, match="not a member"):
        actions.add_group_member(Guardian(admin), group, user=outsider)


def test_moderator_cannot_manage_groups(client_for: Any, moderator: Any) -> None:
    response = client_for(moderator).post("/settings/community/groups/", {"name": "Sneaky"})
    assert response.status_code == 403
    assert not Group.objects.exists()


def test_replacing_the_logo_deletes_the_old_file_after_commit(
    admin: Any, community: Community, django_capture_on_commit_callbacks: Any
) -> None:
    g = Guardian(admin)
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.update_community(g, community, logo=png((100, 100)))
    old_path = first.logo.path
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.update_community(g, community, logo=png((50, 50)))
    import os

    assert not os.path.exists(old_path)
    assert os.path.exists(second.logo.path)
    with django_capture_on_commit_callbacks(execute=True):
        third = actions.update_community(g, community, remove_logo=True)
    assert not third.logo
    assert not os.path.exists(second.logo.path)
