"""The spaces API: list, detail, join, leave — the same queries and actions as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

import factories as testing
from townhall.accounts.actions import create_access_token
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


def _token_client(user: Any, scope: str) -> Client:
    _token, secret = create_access_token(Guardian(user), user, name="test", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(c: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return c.post(url, data=json.dumps(body) if body is not None else "", content_type="application/json")


# --- reading ---------------------------------------------------------------------------------------------
def test_list_shows_visible_spaces_with_my_standing(client_for: Any, member: Any) -> None:
    testing.make_space("Planets", members=[member])
    testing.make_space("Inner", visibility=Space.PRIVATE)
    testing.make_space("Hidden", visibility=Space.SECRET)
    body = client_for(member).get("/api/v1/spaces").json()
    assert body["next_cursor"] is None
    by_slug = {item["slug"]: item for item in body["items"]}
    assert set(by_slug) == {"planets", "inner"}
    assert by_slug["planets"]["my_state"] == "active" and by_slug["planets"]["can_post"] is True
    assert by_slug["inner"]["join_mode"] == "request" and by_slug["inner"]["can_read"] is False
    assert by_slug["inner"]["url"] == "/s/inner/"


def test_visitors_list_public_spaces(client: Any, community: Any) -> None:
    testing.make_space("Open", visibility=Space.PUBLIC)
    testing.make_space("Members")
    body = client.get("/api/v1/spaces").json()
    assert [item["slug"] for item in body["items"]] == ["open"]
    assert body["items"][0]["join_mode"] is None


def test_list_pages_with_a_cursor(client_for: Any, member: Any) -> None:
    for i in range(5):
        testing.make_space(f"Space {i}")
    c = client_for(member)
    first = c.get("/api/v1/spaces?limit=2").json()
    assert [i["name"] for i in first["items"]] == ["Space 0", "Space 1"]
    second = c.get(f"/api/v1/spaces?limit=2&cursor={first['next_cursor']}").json()
    assert [i["name"] for i in second["items"]] == ["Space 2", "Space 3"]
    third = c.get(f"/api/v1/spaces?limit=2&cursor={second['next_cursor']}").json()
    assert [i["name"] for i in third["items"]] == ["Space 4"] and third["next_cursor"] is None


def test_bad_cursor_is_400(client_for: Any, member: Any) -> None:
    response = client_for(member).get("/api/v1/spaces?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "not valid" in response.json()["message"]


def test_detail_and_404_for_unseen(client_for: Any, member: Any) -> None:
    testing.make_space("Planets", description="Jupiter")
    testing.make_space("Hidden", visibility=Space.SECRET)
    c = client_for(member)
    body = c.get("/api/v1/spaces/planets").json()
    assert body["description"] == "Jupiter" and body["join_mode"] == "join" and body["member_count"] == 0
    response = c.get("/api/v1/spaces/hidden")
    assert response.status_code == 404 and response.json() == {"message": "Not found.", "errors": {}}


# --- join --------------------------------------------------------------------------------------------------
def test_join_directly_is_201(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets")
    response = _post(client_for(member), "/api/v1/spaces/planets/join")
    assert response.status_code == 201
    assert response.json() == {"space": "planets", "state": "active", "role": "member", "member_count": 1}
    assert SpaceMembership.objects.get(space=space, user=member).state == "active"


def test_request_to_join_is_201_requested(client_for: Any, member: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE)
    response = _post(client_for(member), "/api/v1/spaces/inner/join", {"message": "Hello"})
    assert response.status_code == 201 and response.json()["state"] == "requested"
    assert SpaceMembership.objects.get(space=space, user=member).request_message == "Hello"


def test_accepting_an_invitation_is_200(client_for: Any, member: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    SpaceMembership.objects.create(space=space, user=member, state=SpaceMembership.INVITED)
    response = _post(client_for(member), "/api/v1/spaces/hidden/join")
    assert response.status_code == 200 and response.json()["state"] == "active"


def test_join_with_a_write_token(member: Any) -> None:
    testing.make_space("Planets")
    assert _post(_token_client(member, "write"), "/api/v1/spaces/planets/join").status_code == 201


def test_join_with_a_read_only_token_is_403(member: Any) -> None:
    space = testing.make_space("Planets")
    response = _post(_token_client(member, "read"), "/api/v1/spaces/planets/join")
    assert response.status_code == 403 and "read-only" in response.json()["message"]
    assert not SpaceMembership.objects.filter(space=space).exists()


def test_join_refusals(client: Any, client_for: Any, member: Any, suspended: Any) -> None:
    testing.make_space("Planets", visibility=Space.PUBLIC, members=[member])
    testing.make_space("Hidden", visibility=Space.SECRET)
    response = _post(client_for(member), "/api/v1/spaces/planets/join")
    assert response.status_code == 403 and response.json()["message"] == "You are already in this space."
    response = _post(client_for(suspended), "/api/v1/spaces/planets/join")
    assert response.status_code == 403 and "suspended" in response.json()["message"]
    assert _post(client_for(member), "/api/v1/spaces/hidden/join").status_code == 404
    assert _post(client_for(member), "/api/v1/spaces/missing/join").status_code == 404
    assert _post(client, "/api/v1/spaces/planets/join").status_code == 401


def test_join_message_too_long_is_422(client_for: Any, member: Any) -> None:
    testing.make_space("Inner", visibility=Space.PRIVATE)
    response = _post(client_for(member), "/api/v1/spaces/inner/join", {"message": "x" * 501})
    assert response.status_code == 422
    assert "message" in response.json()["errors"]


def test_session_writes_need_csrf(member: Any) -> None:
    testing.make_space("Planets")
    c = Client(enforce_csrf_checks=True)
    c.force_login(member)
    response = _post(c, "/api/v1/spaces/planets/join")
    assert response.status_code == 403 and "CSRF" in response.json()["message"]


# --- leave ------------------------------------------------------------------------------------------------
def test_leave(client_for: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    response = _post(client_for(member), "/api/v1/spaces/planets/leave")
    assert response.status_code == 200
    assert response.json() == {"space": "planets", "state": None, "role": None, "member_count": 0}
    assert not SpaceMembership.objects.filter(space=space).exists()


def test_leave_refusals(client: Any, client_for: Any, member: Any) -> None:
    testing.make_space("Planets")
    testing.make_space("Hidden", visibility=Space.SECRET)
    response = _post(client_for(member), "/api/v1/spaces/planets/leave")
    assert response.status_code == 403 and response.json()["message"] == "You are not in this space."
    assert _post(client_for(member), "/api/v1/spaces/hidden/leave").status_code == 404
    assert _post(client, "/api/v1/spaces/planets/leave").status_code == 401


def test_openapi_lists_the_space_routes(client: Any, community: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/spaces",
        "/api/v1/spaces/{slug}",
        "/api/v1/spaces/{slug}/join",
        "/api/v1/spaces/{slug}/leave",
    } <= set(paths)
