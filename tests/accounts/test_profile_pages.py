"""The profile page, the settings overview and the profile edit page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factories import make_group, make_member
from townhall.accounts.models import Interest, User
from townhall.activity.models import Activity

# viewer (the session comes from the cache), person+membership, interests, groups, viewer's membership, community, sidebar spaces.
# Beside another member's profile: whether I blocked them (the Block button), and their membership and
# blocks either way (the Message button, chat's profile section).
# The layout (sidebar, community row) belongs to other apps; allow it a little room.
PROFILE_QUERIES = 12


def rich_profile(user: User) -> User:
    user.bio = "Imaging **galaxies** <script>alert(1)</script>"
    user.location = "Lisbon"
    user.time_zone = "Europe/Lisbon"
    user.links = ["https://example.org/max", "http://astro.example/max"]
    user.can_help_with = "Polar alignment"
    user.looking_for = "Clear skies"
    user.save()
    for name in ("Deep sky", "Comets", "Planetary"):
        user.interests.add(Interest.objects.create(name=name, slug=name.lower().replace(" ", "-")))
    make_group("Berlin chapter", [user])
    make_group("Mentors", [user])
    return user


def test_profile_shows_everything(client_for: Any, member: User, moderator: User) -> None:
    rich_profile(member)
    response = client_for(moderator).get(reverse("accounts:profile", args=["max"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "Max Member" in html and "@max" in html
    assert "<strong>galaxies</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Lisbon" in html and "Europe/Lisbon" in html and "Local time" in html
    assert '<a href="https://example.org/max" rel="nofollow ugc noopener">' in html
    assert 'href="/members/?interest=deep-sky"' in html
    assert "Polar alignment" in html and "Clear skies" in html
    assert "Berlin chapter" in html and "Mentors" in html
    assert ">Member</span>" in html
    assert "Joined" in html
    assert "Edit profile" not in html


def test_profile_username_is_case_insensitive(client_for: Any, member: User) -> None:
    assert client_for(member).get("/u/MAX/").status_code == 200


def test_own_profile_has_edit_link(client_for: Any, newcomer: User) -> None:
    html = client_for(newcomer).get(reverse("accounts:profile", args=["nina"])).content.decode()
    assert reverse("accounts:profile-edit") in html


def test_role_badge_for_moderator(client_for: Any, member: User, moderator: User) -> None:
    html = client_for(member).get(reverse("accounts:profile", args=["mona"])).content.decode()
    assert ">Moderator</span>" in html


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("member", "moderator", 200),
        ("member", "suspended", 200),
        ("member", "pending", 404),
        ("member", "banned", 404),
        ("member", "outsider", 404),
        ("moderator", "pending", 200),
        ("moderator", "banned", 200),
        ("outsider", "member", 404),
        ("pending", "member", 404),
        ("banned", "member", 404),
        ("outsider", "outsider", 200),
    ],
)
def test_profile_visibility(client_for: Any, request: Any, viewer: str, target: str, status: int) -> None:
    viewer_user = request.getfixturevalue(viewer)
    target_user = request.getfixturevalue(target)
    response = client_for(viewer_user).get(reverse("accounts:profile", args=[target_user.username]))
    assert response.status_code == status


def test_missing_profile_is_404(client_for: Any, member: User) -> None:
    assert client_for(member).get("/u/nobody/").status_code == 404


def test_anonymous_is_sent_to_log_in(client: Client, member: User) -> None:
    response = client.get(reverse("accounts:profile", args=["max"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_page_query_count_is_fixed(
    client_for: Any, member: User, moderator: User, django_assert_max_num_queries: Any
) -> None:
    client = client_for(moderator)
    url = reverse("accounts:profile", args=["max"])
    client.get(url)  # warm per-process caches (community row, etc.)
    with CaptureQueriesContext(connection) as sparse:
        assert client.get(url).status_code == 200
    rich_profile(member)
    for i in range(5):
        make_group(f"Extra {i}", [member])
        member.interests.add(Interest.objects.create(name=f"Topic {i}", slug=f"topic-{i}"))
    with CaptureQueriesContext(connection) as rich:
        assert client.get(url).status_code == 200
    assert len(rich) == len(sparse), "profile queries must not grow with interests, groups or links"
    with django_assert_max_num_queries(PROFILE_QUERIES):
        client.get(url)
    own = [
        q["sql"]
        for q in rich.captured_queries
        if "accounts_interest" in q["sql"] or "groupmember" in q["sql"]
    ]
    assert len(own) == 2, "interests and groups are one prefetch query each"


def test_settings_overview_links_everywhere(client_for: Any, member: User) -> None:
    response = client_for(member).get(reverse("accounts:settings"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in (
        "accounts:profile-edit",
        "account_email",
        "account_change_password",
        "mfa_index",
        "accounts:tokens",
        "accounts:delete",
        "accounts:theme",
    ):
        assert reverse(name) in html, name
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_settings_need_sign_in(client: Client, community: Any) -> None:
    for name in ("accounts:settings", "accounts:profile-edit", "accounts:tokens", "accounts:delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login"))


def profile_post(user: User, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "display_name": user.display_name,
        "username": user.username,
        "bio": user.bio,
        "location": user.location,
        "time_zone": user.time_zone,
        "links": "\n".join(user.links),
        "new_interests": "",
        "can_help_with": user.can_help_with,
        "looking_for": user.looking_for,
    }
    data.update(changes)
    return data


def test_profile_edit_page_renders_with_current_values(client_for: Any, member: User) -> None:
    Interest.objects.create(name="Meteors", slug="meteors", featured=True)
    rich_profile(member)
    response = client_for(member).get(reverse("accounts:profile-edit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Lisbon"' in html
    assert "https://example.org/max" in html
    assert "<legend>Interests</legend>" in html and 'value="meteors"' in html
    assert "Deep sky, Comets, Planetary" in html or "Comets" in html
    assert 'enctype="multipart/form-data"' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    for field_id in re.findall(r'<(?:input|textarea|select)[^>]+id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def test_profile_edit_saves_and_redirects(client_for: Any, member: User) -> None:
    Interest.objects.create(name="Comets", slug="comets", featured=True)
    client = client_for(member)
    data = profile_post(member, bio="Hello *sky*", interests=["comets"], new_interests="Aurora")
    response = client.post(reverse("accounts:profile-edit"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile-edit")
    member.refresh_from_db()
    assert member.bio == "Hello *sky*"
    assert sorted(member.interests.values_list("slug", flat=True)) == ["aurora", "comets"]
    assert Activity.objects.filter(verb="profile.updated", actor_id=member.pk).exists()
    assert "Your profile is saved." in client.get(response["Location"]).content.decode()


def test_profile_edit_shows_errors(client_for: Any, member: User, moderator: User) -> None:
    response = client_for(member).post(
        reverse("accounts:profile-edit"), profile_post(member, username="mona", links="javascript:x")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "That @username is taken" in html
    assert "is not a web address" in html
    member.refresh_from_db()
    assert member.username == "max"


def test_profile_edit_htmx_returns_only_the_form(client_for: Any, member: User) -> None:
    response = client_for(member).post(
        reverse("accounts:profile-edit"), profile_post(member, username="x"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="profile-form"')
    assert "<h1" not in html


def test_profile_edit_htmx_success_returns_the_saved_form(client_for: Any, member: User) -> None:
    response = client_for(member).post(
        reverse("accounts:profile-edit"),
        profile_post(member, location="Porto"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="profile-form"')
    assert "Your profile is saved." in html and 'value="Porto"' in html
    member.refresh_from_db()
    assert member.location == "Porto"


def test_banned_person_cannot_save_profile(client_for: Any, banned: User) -> None:
    response = client_for(banned).post(reverse("accounts:profile-edit"), profile_post(banned, bio="x"))
    assert response.status_code == 403
    assert "banned" in response.content.decode()


def test_profile_edit_is_rate_limited(client_for: Any, member: User) -> None:
    client = client_for(member)
    statuses = [
        client.post(reverse("accounts:profile-edit"), profile_post(member)).status_code for _ in range(31)
    ]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429


def test_username_change_moves_the_profile(client_for: Any, member: User) -> None:
    client = client_for(member)
    client.post(reverse("accounts:profile-edit"), profile_post(member, username="max_astro"))
    assert client.get("/u/max_astro/").status_code == 200
    assert client.get("/u/max/").status_code == 404


def test_deleted_account_profile_is_gone(client_for: Any, moderator: User) -> None:
    from django.utils import timezone

    gone = make_member("gone")
    User.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    assert client_for(moderator).get("/u/gone/").status_code == 404


def test_without_featured_interests_there_is_one_interests_field(client_for: Any, member: User) -> None:
    html = client_for(member).get(reverse("accounts:profile-edit")).content.decode()
    assert "<legend>Interests</legend>" not in html
    assert '<label for="id_new_interests">Interests:</label>' in html
    response = client_for(member).post(
        reverse("accounts:profile-edit"), profile_post(member, new_interests="Comets")
    )
    assert response.status_code == 302
    assert list(member.interests.values_list("name", flat=True)) == ["Comets"]
