"""Every community page renders for the people who may see it, and refuses the others properly."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing

SETTINGS_PAGES = [
    "/settings/community/",
    "/settings/community/invitations/",
    "/settings/community/applications/",
    "/settings/community/members/",
    "/settings/community/groups/",
]


@pytest.mark.parametrize("path", ["/home/", "/members/", "/conduct/", *SETTINGS_PAGES])
def test_owner_sees_every_page(client_for: Any, owner: Any, member: Any, path: str) -> None:
    testing.make_group("Berlin chapter", [member])
    response = client_for(owner).get(path)
    assert response.status_code == 200, response.content[:500]
    assert response.content.count(b"<h1") == 1


def test_group_detail_page(client_for: Any, owner: Any, member: Any) -> None:
    testing.make_group("Berlin chapter", [member])
    response = client_for(owner).get("/settings/community/groups/berlin-chapter/")
    assert response.status_code == 200
    assert b"@max" in response.content


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/settings/community/", b"Only the community&#x27;s admins can change its settings."),
        ("/settings/community/applications/", b"Only moderators can review applications."),
        ("/settings/community/members/", b"Only moderators and admins can manage members."),
        ("/settings/community/groups/", b"Only admins can manage groups."),
    ],
)
def test_member_gets_403_with_reason(client_for: Any, member: Any, path: str, reason: bytes) -> None:
    response = client_for(member).get(path)
    assert response.status_code == 403
    assert reason in response.content


def test_moderator_reaches_moderation_pages_but_not_identity(client_for: Any, moderator: Any) -> None:
    c = client_for(moderator)
    assert c.get("/settings/community/invitations/").status_code == 200
    assert c.get("/settings/community/applications/").status_code == 200
    assert c.get("/settings/community/members/").status_code == 200
    assert c.get("/settings/community/").status_code == 403


def test_anonymous_is_sent_to_login(client: Any, community: Any) -> None:
    for path in ["/home/", "/members/", "/welcome/", *SETTINGS_PAGES]:
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
