"""/api/v1/me and /api/v1/me/tokens: token and session auth, scopes, CSRF, errors, rate limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from townhall.accounts import actions
from townhall.accounts.models import AccessToken, Interest, User
from townhall.activity.models import Activity
from townhall.policy import Guardian

ME = "/api/v1/me"
TOKENS = "/api/v1/me/tokens"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_for(user: User, scope: str = "read") -> str:
    return actions.create_access_token(Guardian(user), user, name=f"{scope} token", scope=scope)[1]


def patch(client: Client, data: Any, **headers: str) -> Any:
    return client.patch(ME, json.dumps(data), content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, text: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert text.lower() in body["message"].lower()
    return body  # type: ignore[no-any-return]


def test_get_me_with_token(client: Client, member: User) -> None:
    member.bio = "I like **comets**"
    member.save()
    member.interests.add(Interest.objects.create(name="Comets", slug="comets"))
    response = client.get(ME, headers=bearer(token_for(member)))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "max"
    assert body["membership"]["role"] == "member" and body["membership"]["state"] == "active"
    assert body["membership"]["onboarded"] is True
    assert body["interests"] == [{"name": "Comets", "slug": "comets"}]
    assert "<strong>comets</strong>" in body["bio_html"]
    assert body["avatar_url"] is None


def test_get_me_without_membership(client_for: Any, outsider: User) -> None:
    body = client_for(outsider).get(ME).json()
    assert body["membership"] is None


def test_get_me_anonymous_is_401(client: Client, community: Any) -> None:
    assert_error(client.get(ME), 401, "sign in")


@pytest.mark.parametrize("header", ["Bearer th_garbage", "Bearer ", "Bearer th_" + "x" * 43])
def test_garbage_token_is_401(client: Client, member: User, header: str) -> None:
    response = client.get(ME, headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_revoked_token_is_401(client: Client, member: User) -> None:
    token, secret = actions.create_access_token(Guardian(member), member, name="t", scope="write")
    actions.revoke_access_token(Guardian(member), token)
    assert_error(client.get(ME, headers=bearer(secret)), 401, "not valid")


def test_token_records_last_use(client: Client, member: User) -> None:
    secret = token_for(member)
    client.get(ME, headers=bearer(secret))
    assert AccessToken.objects.get(user=member).last_used_at is not None


def test_patch_me_with_write_token(client: Client, member: User) -> None:
    Interest.objects.create(name="Deep Sky", slug="deep-sky", featured=True)
    response = patch(
        client,
        {
            "location": "Oslo",
            "links": ["https://example.org/max"],
            "interests": ["deep sky", "Aurora, hunting"],
            "time_zone": "Europe/Oslo",
        },
        **bearer(token_for(member, "write")),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["location"] == "Oslo"
    assert body["links"] == ["https://example.org/max"]
    assert sorted(i["slug"] for i in body["interests"]) == ["aurora-hunting", "deep-sky"]
    member.refresh_from_db()
    assert member.display_name == "Max Member", "fields not sent keep their values"
    assert Activity.objects.filter(verb="profile.updated", actor_id=member.pk).exists()


def test_patch_me_empty_interests_clears_them(client: Client, member: User) -> None:
    member.interests.add(Interest.objects.create(name="Comets", slug="comets", featured=True))
    response = patch(client, {"interests": []}, **bearer(token_for(member, "write")))
    assert response.status_code == 200
    assert response.json()["interests"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "a"}, "username"),
        ({"username": "mona"}, "username"),
        ({"links": ["javascript:alert(1)"]}, "links"),
        ({"links": [f"https://e.org/{i}" for i in range(6)]}, "links"),
        ({"time_zone": "Nowhere/Town"}, "time_zone"),
        ({"display_name": "x" * 81}, "display_name"),
        ({"interests": ["x" * 41]}, "new_interests"),
        ({"interests": [f"topic {i}" for i in range(21)]}, "new_interests"),
    ],
)
def test_patch_me_validation_errors(
    client: Client, member: User, moderator: User, data: Any, field: str
) -> None:
    body = assert_error(patch(client, data, **bearer(token_for(member, "write"))), 422)
    assert field in body["errors"]
    assert body["message"]


def test_patch_me_schema_errors_use_the_one_shape(client: Client, member: User) -> None:
    body = assert_error(patch(client, {"links": "not-a-list"}, **bearer(token_for(member, "write"))), 422)
    assert "links" in body["errors"]


def test_patch_me_with_read_token_is_403(client: Client, member: User) -> None:
    assert_error(patch(client, {"location": "Oslo"}, **bearer(token_for(member, "read"))), 403, "read-only")
    member.refresh_from_db()
    assert member.location == ""


def test_patch_me_anonymous_is_401(client: Client, community: Any) -> None:
    response = patch(client, {"location": "Oslo"})
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_patch_me_banned_is_403(client: Client, member: User) -> None:
    from townhall.community.models import Membership

    secret = token_for(member, "write")
    Membership.objects.filter(user=member).update(state=Membership.BANNED)
    assert_error(patch(client, {"location": "x"}, **bearer(secret)), 403, "banned")


def test_session_patch_needs_csrf(member: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert_error(patch(client, {"location": "Oslo"}), 403, "CSRF")
    client.get("/settings/")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = patch(client, {"location": "Oslo"}, **{"X-CSRFToken": csrf})
    assert response.status_code == 200, response.content
    assert response.json()["location"] == "Oslo"


def test_writes_are_rate_limited(client: Client, member: User, settings: Any) -> None:
    settings.API_WRITE_RATE = "3/m"
    headers = bearer(token_for(member, "write"))
    statuses = [patch(client, {"location": f"Place {i}"}, **headers).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert set(patch(client, {"location": "x"}, **headers).json()) == {"message", "errors"}
    assert client.get(ME, headers=headers).status_code == 200, "reads are not limited by the write rate"


# --- tokens ---------------------------------------------------------------------------------------


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_create_token_by_session_returns_secret_once(member: User) -> None:
    client = session_client(member)
    response = client.post(TOKENS, {"name": "CI", "scope": "write"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("th_") and body["scope"] == "write" and body["name"] == "CI"
    assert client.get(ME, headers=bearer(body["secret"])).json()["username"] == "max"
    listed = client.get(TOKENS).json()
    assert [t["name"] for t in listed] == ["CI"]
    assert "secret" not in listed[0]
    assert listed[0]["prefix"] == body["secret"][:11]


def test_a_token_cannot_mint_tokens(client: Client, member: User) -> None:
    response = client.post(
        TOKENS,
        {"name": "x", "scope": "write"},
        content_type="application/json",
        headers=bearer(token_for(member, "write")),
    )
    assert_error(response, 403, "cannot create tokens")
    assert AccessToken.objects.count() == 1


def test_create_token_bad_input(member: User) -> None:
    client = session_client(member)
    body = assert_error(
        client.post(TOKENS, {"name": "x", "scope": "admin"}, content_type="application/json"), 422
    )
    assert "scope" in body["errors"]
    body = assert_error(
        client.post(TOKENS, {"name": "   ", "scope": "read"}, content_type="application/json"), 422
    )
    assert "name" in body["errors"]
    body = assert_error(client.post(TOKENS, {"scope": "read"}, content_type="application/json"), 422)
    assert "name" in body["errors"]


def test_create_token_over_the_limit(member: User) -> None:
    for i in range(20):
        actions.create_access_token(Guardian(member), member, name=f"t{i}", scope="read")
    response = session_client(member).post(TOKENS, {"name": "x"}, content_type="application/json")
    assert_error(response, 422, "20 tokens")


def test_create_token_anonymous_is_401(client: Client, community: Any) -> None:
    response = client.post(TOKENS, {"name": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_list_tokens_with_a_token(client: Client, member: User, admin: User) -> None:
    token_for(admin)
    secret = token_for(member)
    body = client.get(TOKENS, headers=bearer(secret)).json()
    assert [t["name"] for t in body] == ["read token"]


def test_delete_token(client: Client, member: User) -> None:
    token, secret = actions.create_access_token(Guardian(member), member, name="old", scope="read")
    writer = token_for(member, "write")
    response = client.delete(f"{TOKENS}/{token.pk}", headers=bearer(writer))
    assert response.status_code == 204
    assert actions.authenticate_token(secret) is None
    assert client.get(TOKENS, headers=bearer(writer)).json()[0]["name"] == "write token"


def test_delete_someone_elses_token_is_404(client: Client, member: User, admin: User) -> None:
    token, secret = actions.create_access_token(Guardian(admin), admin, name="admin's", scope="read")
    assert_error(client.delete(f"{TOKENS}/{token.pk}", headers=bearer(token_for(member, "write"))), 404)
    assert_error(client.delete(f"{TOKENS}/999999", headers=bearer(token_for(member, "write"))), 404)
    assert actions.authenticate_token(secret) is not None


def test_delete_token_with_read_token_is_403(client: Client, member: User) -> None:
    token, _ = actions.create_access_token(Guardian(member), member, name="x", scope="read")
    assert_error(client.delete(f"{TOKENS}/{token.pk}", headers=bearer(token_for(member, "read"))), 403)


def test_openapi_lists_the_routes(client: Client, community: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/me", "/api/v1/me/tokens", "/api/v1/me/tokens/{token_id}"} <= set(paths)
