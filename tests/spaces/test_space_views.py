"""Space pages and their forms: plain POST (redirect + message) and htmx (partial) for each action."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

import factories as testing
from townhall.activity.models import Activity
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _row(space: Space, user: Any) -> SpaceMembership | None:
    return SpaceMembership.objects.filter(space=space, user=user).first()


# --- /spaces/ ------------------------------------------------------------------------------------------
def test_list_groups_spaces_by_section_with_the_right_buttons(client_for: Any, member: Any) -> None:
    section = SidebarSection.objects.create(name="Observing", position=0)
    testing.make_space("Planets", section=section, members=[member])
    testing.make_space("Deep sky", section=section)
    testing.make_space("Inner circle", visibility=Space.PRIVATE)
    testing.make_space("Hidden", visibility=Space.SECRET)
    testing.make_space("Old", archived_at=timezone.now())
    html = client_for(member).get("/spaces/").content.decode()
    assert "<h1>Spaces</h1>" in html
    assert '<h2 id="section-' in html and "Observing" in html and "More spaces" in html
    assert html.index("Observing") < html.index("More spaces")
    assert 'Leave<span class="visually-hidden"> Planets' in html
    assert 'Join<span class="visually-hidden"> Deep sky' in html
    assert 'Request to join<span class="visually-hidden"> Inner circle' in html
    assert "Hidden" not in html and "Old" not in html


def test_visitors_see_public_spaces_with_a_login_link(client: Any, community: Any) -> None:
    testing.make_space("Open skies", visibility=Space.PUBLIC)
    testing.make_space("Members corner")
    html = client.get("/spaces/").content.decode()
    assert "Open skies" in html and "Members corner" not in html
    assert "Log in to join" in html


def test_admin_sees_create_and_arrange_links(client_for: Any, admin: Any) -> None:
    html = client_for(admin).get("/spaces/").content.decode()
    assert 'href="/spaces/new/"' in html and 'href="/settings/spaces/"' in html


def test_list_tells_when_there_is_nothing(client_for: Any, member: Any) -> None:
    assert "There are no spaces you can see yet" in client_for(member).get("/spaces/").content.decode()


# --- /s/<slug>/ --------------------------------------------------------------------------------------
def test_public_space_is_readable_by_visitors_with_seo_tags(client: Any, community: Any) -> None:
    testing.make_space("Open skies", visibility=Space.PUBLIC, description="Photos of the open sky")
    response = client.get("/s/open-skies/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Open skies · Night Sky Collective</title>" in html
    assert '<meta name="description" content="Photos of the open sky">' in html
    assert '<link rel="canonical" href="http' in html and '/s/open-skies/">' in html
    assert "noindex" not in html
    assert "No discussions yet" in html
    assert "sign up" in html


def test_members_space_shows_the_next_step_to_posters(client_for: Any, member: Any) -> None:
    testing.make_space("Planets", members=[member])
    html = client_for(member).get("/s/planets/").content.decode()
    assert html.count("<h1") == 1
    assert "No discussions yet" in html
    assert "Start the first discussion" in html
    assert "/s/planets/new/" in html
    assert 'name="robots" content="noindex"' in html
    assert "1 member" in html and "Leave" in html


def test_space_page_lists_its_topics_and_offers_a_new_one(client_for: Any, member: Any) -> None:
    from townhall.discussions import actions as discussions
    from townhall.policy import Guardian

    space = testing.make_space("Planets", members=[member])
    discussions.create_topic(
        Guardian(member), space, title="Jupiter's red spot this week", body="Seeing was great."
    )
    html = client_for(member).get("/s/planets/").content.decode()
    assert "Jupiter&#x27;s red spot this week" in html or "Jupiter's red spot this week" in html
    assert "No discussions yet" not in html
    assert "/s/planets/new/" in html


def test_announcement_space_explains_who_posts(client_for: Any, member: Any) -> None:
    testing.make_space("News", posting=Space.MODERATORS, members=[member])
    html = client_for(member).get("/s/news/").content.decode()
    assert "Announcements" in html
    assert "Only moderators post in this space." in html
    assert "Start the first discussion" not in html
    assert "/s/news/new/" not in html


def test_private_space_for_non_members(client_for: Any, member: Any) -> None:
    testing.make_space("Inner circle", visibility=Space.PRIVATE, description="Advanced imaging")
    html = client_for(member).get("/s/inner-circle/").content.decode()
    assert "This space is private — request to join" in html
    assert "No discussions yet" not in html
    assert "Request to join" in html and 'name="message"' in html


@pytest.mark.parametrize(("visibility", "who"), [(Space.SECRET, "member"), (Space.MEMBERS, None)])
def test_unseen_space_is_404(
    client_for: Any, request: pytest.FixtureRequest, community: Any, visibility: str, who: str | None
) -> None:
    user = request.getfixturevalue(who) if who else None
    testing.make_space("Hidden", visibility=visibility)
    assert client_for(user).get("/s/hidden/").status_code == 404


def test_suspended_member_sees_why_they_cannot_join(client_for: Any, suspended: Any) -> None:
    testing.make_space("Planets")
    html = client_for(suspended).get("/s/planets/").content.decode()
    assert "Your membership is suspended" in html


def test_space_moderator_sees_members_link_and_admin_sees_settings(
    client_for: Any, member: Any, admin: Any
) -> None:
    testing.make_space("Planets", moderators=[member])
    html = client_for(member).get("/s/planets/").content.decode()
    assert "You moderate this space" in html and "/s/planets/members/" in html
    assert "/s/planets/settings/" not in html
    assert "/s/planets/settings/" in client_for(admin).get("/s/planets/").content.decode()


# --- join / leave --------------------------------------------------------------------------------------
def test_join_plain_post_redirects_with_a_message(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets")
    response = client_for(member).post("/s/planets/join/")
    assert response.status_code == 302 and response["Location"] == "/s/planets/"
    assert _messages(response) == ["Welcome to Planets!"]
    assert _row(space, member).state == "active"  # type: ignore[union-attr]


def test_join_htmx_returns_the_partial(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets")
    response = client_for(member).post("/s/planets/join/", {"next": "/spaces/", "compact": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div class="membership row" id="membership-{space.pk}">')
    assert "Leave" in html and "1 member" in html
    assert 'name="next" value="/spaces/"' in html
    assert "<html" not in html


def test_leave_sits_in_a_secondary_menu_on_the_space_page(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    c = client_for(member)
    html = c.get("/s/planets/").content.decode()
    membership = html.split(f'id="membership-{space.pk}"', 1)[1].split("</header>", 1)[0]
    menu = membership.split('<details class="menu">', 1)[1].split("</details>", 1)[0]
    assert '<span class="visually-hidden">More options for Planets</span></summary>' in menu
    assert 'action="/s/planets/leave/"' in menu and "Leave Planets</button>" in menu
    assert membership.count('action="/s/planets/leave/"') == 1  # only inside the menu
    # Leaving from the menu with htmx swaps the partial back in with a Join button.
    answer = c.post("/s/planets/leave/", {"next": "/s/planets/"}, **HTMX).content.decode()
    assert answer.lstrip().startswith(f'<div class="membership row" id="membership-{space.pk}">')
    assert "Join<span" in answer and '<details class="menu">' not in answer


def test_join_follows_a_safe_next_only(client_for: Any, member: Any) -> None:
    testing.make_space("Planets")
    testing.make_space("Moons")
    c = client_for(member)
    assert c.post("/s/planets/join/", {"next": "/spaces/"})["Location"] == "/spaces/"
    assert c.post("/s/moons/join/", {"next": "https://evil.example/"})["Location"] == "/s/moons/"


def test_request_to_join_with_a_message(client_for: Any, member: Any) -> None:
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE)
    response = client_for(member).post("/s/inner-circle/join/", {"message": "I image galaxies"})
    assert _messages(response) == ["Your request to join Inner circle has been sent to its moderators."]
    row = _row(space, member)
    assert row is not None and (row.state, row.request_message) == ("requested", "I image galaxies")


def test_request_message_too_long_is_400(client_for: Any, member: Any) -> None:
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE)
    response = client_for(member).post("/s/inner-circle/join/", {"message": "x" * 501})
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()
    assert _row(space, member) is None


def test_join_refused_is_403_with_reason(client_for: Any, suspended: Any) -> None:
    testing.make_space("Planets")
    response = client_for(suspended).post("/s/planets/join/")
    assert response.status_code == 403
    assert "suspended" in response.content.decode()


def test_join_unseen_is_404(client_for: Any, member: Any) -> None:
    testing.make_space("Hidden", visibility=Space.SECRET)
    assert client_for(member).post("/s/hidden/join/").status_code == 404


def test_join_needs_login_and_post(client: Any, client_for: Any, member: Any) -> None:
    testing.make_space("Planets", visibility=Space.PUBLIC)
    response = client.post("/s/planets/join/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for(member).get("/s/planets/join/").status_code == 405


def test_accept_invitation_from_the_page(client_for: Any, member: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    SpaceMembership.objects.create(space=space, user=member, state=SpaceMembership.INVITED)
    c = client_for(member)
    assert "Accept invitation" in c.get("/s/hidden/").content.decode()
    c.post("/s/hidden/join/")
    assert _row(space, member).state == "active"  # type: ignore[union-attr]


def test_leave_plain_and_htmx(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    c = client_for(member)
    response = c.post("/s/planets/leave/")
    assert response.status_code == 302 and _messages(response) == ["You left Planets."]
    assert _row(space, member) is None
    c.post("/s/planets/join/")
    response = c.post("/s/planets/leave/", **HTMX)
    assert response.status_code == 200 and "Join<span" in response.content.decode()
    space.refresh_from_db()
    assert space.member_count == 0


def test_withdraw_request_and_decline_invitation_messages(client_for: Any, member: Any) -> None:
    private = testing.make_space("Inner", visibility=Space.PRIVATE)
    SpaceMembership.objects.create(space=private, user=member, state=SpaceMembership.REQUESTED)
    public = testing.make_space("Planets")
    SpaceMembership.objects.create(space=public, user=member, state=SpaceMembership.INVITED)
    c = client_for(member)
    assert _messages(c.post("/s/inner/leave/")) == ["You withdrew your request to join Inner."]
    assert _messages(c.post("/s/planets/leave/"))[-1] == "You declined the invitation to Planets."


def test_leaving_a_secret_space_goes_back_to_the_list(client_for: Any, member: Any, newcomer: Any) -> None:
    testing.make_space("Hidden", visibility=Space.SECRET, members=[member, newcomer])
    assert client_for(member).post("/s/hidden/leave/")["Location"] == "/spaces/"
    response = client_for(newcomer).post("/s/hidden/leave/", **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/spaces/"


def test_leave_when_not_in_is_403(client_for: Any, member: Any) -> None:
    testing.make_space("Planets")
    response = client_for(member).post("/s/planets/leave/")
    assert response.status_code == 403 and "You are not in this space." in response.content.decode()


# --- members page --------------------------------------------------------------------------------------
@pytest.fixture
def inner(member: Any) -> Space:
    smod = testing.make_member("smod", display_name="Sue Spacemod")
    space = testing.make_space("Inner", visibility=Space.PRIVATE, moderators=[smod])
    SpaceMembership.objects.create(
        space=space, user=member, state=SpaceMembership.REQUESTED, request_message="hi!"
    )
    return space


def _smod(space: Space) -> Any:
    return SpaceMembership.objects.get(space=space, role="moderator").user


def test_members_page_for_a_space_moderator(client_for: Any, inner: Any) -> None:
    html = client_for(_smod(inner)).get("/s/inner/members/").content.decode()
    assert "<h1>Members of Inner</h1>" in html
    assert "Requests to join" in html and "“hi!”" in html
    assert "/s/inner/members/max/approve/" in html and "/s/inner/members/max/deny/" in html
    assert "Invite by @username" in html
    assert "Space moderator" in html
    assert "Make moderator" not in html  # only admins


def test_members_page_for_plain_members_and_visitors(client: Any, client_for: Any, newcomer: Any) -> None:
    testing.make_space("Open", visibility=Space.PUBLIC, members=[newcomer])
    html = client_for(newcomer).get("/s/open/members/").content.decode()
    assert "Nina" in html and "Requests to join" not in html and "Invite" not in html
    response = client.get("/s/open/members/")
    assert response.status_code == 403
    assert "Only members of the community" in response.content.decode()


def test_members_page_of_private_space_is_403_for_non_members(
    client_for: Any, inner: Any, newcomer: Any
) -> None:
    assert client_for(newcomer).get("/s/inner/members/").status_code == 403


def test_approve_plain_and_htmx(client_for: Any, inner: Space, member: Any, newcomer: Any) -> None:
    c = client_for(_smod(inner))
    response = c.post("/s/inner/members/max/approve/")
    assert response["Location"] == "/s/inner/members/"
    assert _messages(response) == ["@max is now in Inner."]
    assert _row(inner, member).state == "active"  # type: ignore[union-attr]
    SpaceMembership.objects.create(space=inner, user=newcomer, state=SpaceMembership.REQUESTED)
    response = c.post("/s/inner/members/nina/approve/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="request-{newcomer.pk}"' in html and "approved" in html
    inner.refresh_from_db()
    assert inner.member_count == 3


def test_deny_plain_and_htmx(client_for: Any, inner: Space, member: Any, newcomer: Any) -> None:
    c = client_for(_smod(inner))
    response = c.post("/s/inner/members/max/deny/")
    assert _messages(response) == ["You turned down @max's request."]
    assert _row(inner, member) is None
    SpaceMembership.objects.create(space=inner, user=newcomer, state=SpaceMembership.REQUESTED)
    response = c.post("/s/inner/members/nina/deny/", **HTMX)
    assert "request turned down" in response.content.decode()
    assert _row(inner, newcomer) is None


def test_approve_failures(client_for: Any, inner: Space, member: Any, newcomer: Any) -> None:
    smod = client_for(_smod(inner))
    assert smod.post("/s/inner/members/nobody/approve/").status_code == 404
    response = smod.post("/s/inner/members/nina/approve/")
    assert response.status_code == 400 and "no request to join from @nina" in response.content.decode()
    response = client_for(newcomer).post("/s/inner/members/max/approve/")
    assert response.status_code == 403 and "space&#x27;s moderators" in response.content.decode()
    assert client_for(newcomer).post("/s/inner/members/max/deny/").status_code == 403
    assert _row(inner, member).state == "requested"  # type: ignore[union-attr]


def test_invite_plain(client_for: Any, inner: Space, newcomer: Any) -> None:
    response = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": "@Nina"})
    assert response["Location"] == "/s/inner/members/"
    assert _messages(response) == ["@nina is invited; they will see Inner and can accept."]
    assert _row(inner, newcomer).state == "invited"  # type: ignore[union-attr]


def test_invite_htmx_returns_the_invite_section(client_for: Any, inner: Space, newcomer: Any) -> None:
    response = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": "nina"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card stack" aria-labelledby="invite-title" id="invite">')
    assert "is invited" in html and "Invited, not yet accepted" in html and "@nina" in html


def test_invite_someone_who_asked(client_for: Any, inner: Space, member: Any) -> None:
    response = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": "max"})
    assert _messages(response) == ["@max had asked to join, so they are in now."]


@pytest.mark.parametrize(
    ("username", "error"),
    [
        ("ghost", "Nobody here has that @username."),
        ("smod", "@smod is already in this space."),
        ("", "required"),
    ],
)
def test_invite_errors_show_on_the_form(client_for: Any, inner: Space, username: str, error: str) -> None:
    response = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": username})
    html = response.content.decode()
    assert response.status_code == 400
    assert error in html.replace("&#x27;", "'")
    assert 'aria-invalid="true"' in html
    partial = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": username}, **HTMX)
    assert partial.status_code == 422 and "<html" not in partial.content.decode()
    assert error in partial.content.decode().replace("&#x27;", "'")


def test_invite_by_plain_member_is_403(client_for: Any, member: Any, newcomer: Any) -> None:
    testing.make_space("Planets", members=[member])
    assert client_for(member).post("/s/planets/members/invite/", {"username": "nina"}).status_code == 403


def test_invite_someone_not_active_is_403(client_for: Any, inner: Space, pending: Any) -> None:
    response = client_for(_smod(inner)).post("/s/inner/members/invite/", {"username": "pat"})
    assert response.status_code == 403 and "not an active member" in response.content.decode()


def test_set_moderator_plain_and_htmx(client_for: Any, admin: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    c = client_for(admin)
    html = c.get("/s/planets/members/").content.decode()
    assert "Make moderator" in html
    response = c.post("/s/planets/members/max/moderator/", {"is_moderator": "1"})
    assert _messages(response) == ["@max now moderates Planets."]
    assert _row(space, member).role == "moderator"  # type: ignore[union-attr]
    response = c.post("/s/planets/members/max/moderator/", {"is_moderator": "0"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="row spread" id="member-{member.pk}">')
    assert "Make moderator" in html
    assert _row(space, member).role == "member"  # type: ignore[union-attr]


def test_set_moderator_failures(client_for: Any, admin: Any, moderator: Any, member: Any) -> None:
    testing.make_space("Planets", members=[member])
    assert (
        client_for(moderator).post("/s/planets/members/max/moderator/", {"is_moderator": "1"}).status_code
        == 403
    )
    response = client_for(admin).post("/s/planets/members/max/moderator/", {"is_moderator": "yes"})
    assert response.status_code == 400
    response = client_for(admin).post("/s/planets/members/max/moderator/", {"is_moderator": "0"})
    assert response.status_code == 400 and "not a moderator" in response.content.decode()


# --- create and settings -------------------------------------------------------------------------------
def test_create_space_page(client_for: Any, admin: Any) -> None:
    c = client_for(admin)
    html = c.get("/spaces/new/").content.decode()
    assert '<h1 id="create-title">New space</h1>' in html and 'name="visibility"' in html
    response = c.post(
        "/spaces/new/",
        {
            "name": "Deep Sky",
            "description": "Galaxies",
            "icon": "🌌",
            "visibility": "public",
            "posting": "everyone",
        },
    )
    assert response["Location"] == "/s/deep-sky/"
    assert _messages(response) == ["Deep Sky is ready. Invite people or share its link."]
    assert Space.objects.get(slug="deep-sky").visibility == "public"


def test_create_space_form_errors(client_for: Any, admin: Any) -> None:
    response = client_for(admin).post(
        "/spaces/new/", {"name": "x" * 81, "visibility": "nope", "posting": "everyone"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 80 characters" in html and "Select a valid choice" in html
    assert not Space.objects.exists()


def test_create_space_is_for_admins(client: Any, client_for: Any, moderator: Any) -> None:
    assert client_for(moderator).get("/spaces/new/").status_code == 403
    assert client_for(moderator).post("/spaces/new/", {"name": "X"}).status_code == 403
    assert client.get("/spaces/new/").status_code == 302
    assert not Space.objects.exists()


def test_settings_page_saves(client_for: Any, admin: Any) -> None:
    group = testing.make_group("Mentors")
    space = testing.make_space("Planets")
    c = client_for(admin)
    html = c.get("/s/planets/settings/").content.decode()
    assert 'value="Planets"' in html and "Archive Planets" in html
    response = c.post(
        "/s/planets/settings/",
        {"name": "Planetary", "description": "", "icon": "🪐", "visibility": "private", "posting": "moderators",
         "group": str(group.pk), "section": ""},
    )  # fmt: skip
    assert response["Location"] == "/s/planets/settings/"
    space.refresh_from_db()
    assert (space.name, space.visibility, space.posting, space.group) == (
        "Planetary",
        "private",
        "moderators",
        group,
    )


def test_settings_errors_and_refusals(client_for: Any, admin: Any, moderator: Any) -> None:
    testing.make_space("Planets")
    testing.make_space("Hidden", visibility=Space.SECRET)
    response = client_for(admin).post(
        "/s/planets/settings/", {"name": " ", "visibility": "public", "posting": "everyone"}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert client_for(moderator).get("/s/planets/settings/").status_code == 403
    assert client_for(moderator).get("/s/hidden/settings/").status_code == 404


def test_archive_and_unarchive_views(client_for: Any, admin: Any, member: Any) -> None:
    space = testing.make_space("Planets")
    c = client_for(admin)
    asked = c.post("/s/planets/settings/archive/")
    assert asked.status_code == 200 and "Archive Planets?" in asked.content.decode()
    assert c.get("/s/planets/settings/archive/").content.decode().count('name="confirm" value="yes"') == 1
    space.refresh_from_db()
    assert space.archived_at is None
    response = c.post("/s/planets/settings/archive/", {"confirm": "yes"})
    assert response["Location"] == "/s/planets/settings/"
    space.refresh_from_db()
    assert space.archived_at is not None
    assert "Planets" not in client_for(member).get("/spaces/").content.decode()
    assert "Archived" in client_for(member).get("/s/planets/").content.decode()
    assert c.post("/s/planets/settings/archive/").status_code == 400
    assert "Bring it back" in c.get("/s/planets/settings/").content.decode()
    c.post("/s/planets/settings/unarchive/")
    space.refresh_from_db()
    assert space.archived_at is None
    assert client_for(member).post("/s/planets/settings/archive/").status_code == 403


# --- sidebar arrangement ---------------------------------------------------------------------------------
def test_manage_page_and_section_actions(client_for: Any, admin: Any) -> None:
    c = client_for(admin)
    assert "<h1>Spaces and sidebar</h1>" in c.get("/settings/spaces/").content.decode()
    response = c.post("/settings/spaces/sections/", {"name": "Observing"})
    assert response["Location"] == "/settings/spaces/" and _messages(response) == [
        "Section “Observing” added."
    ]
    c.post("/settings/spaces/sections/", {"name": "Gear"})
    gear = SidebarSection.objects.get(name="Gear")
    c.post(f"/settings/spaces/sections/{gear.pk}/rename/", {"name": "Equipment"})
    c.post(f"/settings/spaces/sections/{gear.pk}/move/", {"direction": "up"})
    assert list(SidebarSection.objects.values_list("name", flat=True)) == ["Equipment", "Observing"]
    c.post(f"/settings/spaces/sections/{gear.pk}/delete/")  # asks first
    assert SidebarSection.objects.count() == 2
    c.post(f"/settings/spaces/sections/{gear.pk}/delete/", {"confirm": "yes"})
    assert list(SidebarSection.objects.values_list("name", flat=True)) == ["Observing"]
    assert Activity.objects.filter(verb__startswith="section.").count() == 5


def test_manage_errors(client_for: Any, admin: Any, member: Any) -> None:
    c = client_for(admin)
    assert c.post("/settings/spaces/sections/", {"name": ""}).status_code == 400
    assert c.post("/settings/spaces/sections/999/rename/", {"name": "X"}).status_code == 404
    section = SidebarSection.objects.create(name="Gear")
    assert c.post(f"/settings/spaces/sections/{section.pk}/move/", {"direction": "left"}).status_code == 400
    assert client_for(member).get("/settings/spaces/").status_code == 403
    assert client_for(member).post("/settings/spaces/sections/", {"name": "X"}).status_code == 403
    assert SidebarSection.objects.count() == 1


def test_space_order_and_section_assignment(client_for: Any, admin: Any, member: Any) -> None:
    section = SidebarSection.objects.create(name="Gear")
    testing.make_space("Alpha")
    beta = testing.make_space("Beta")
    c = client_for(admin)
    html = c.get("/settings/spaces/").content.decode()
    assert "Without a section" in html and 'name="section"' in html
    c.post("/s/beta/settings/move/", {"direction": "up"})
    assert list(Space.objects.order_by("position", "id").values_list("name", flat=True)) == ["Beta", "Alpha"]
    response = c.post("/s/beta/settings/section/", {"section": str(section.pk)})
    assert _messages(response)[-1] == "Beta is now in “Gear”."
    beta.refresh_from_db()
    assert beta.section == section
    assert c.post("/s/beta/settings/section/", {"section": "999"}).status_code == 400
    assert client_for(member).post("/s/beta/settings/move/", {"direction": "up"}).status_code == 403


# --- rate limits ----------------------------------------------------------------------------------------
def test_page_writes_are_rate_limited(client_for: Any, member: Any, settings: Any) -> None:
    settings.SPACES_WRITE_RATE = "3/m"
    testing.make_space("Planets")
    c = client_for(member)
    assert c.post("/s/planets/join/").status_code == 302
    assert c.post("/s/planets/leave/").status_code == 302
    assert c.post("/s/planets/join/").status_code == 302
    response = c.post("/s/planets/leave/")
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert c.get("/s/planets/").status_code == 200  # reading is not limited
