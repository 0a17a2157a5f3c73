"""Personal access tokens and account deletion: actions and their settings pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from factories import PASSWORD, make_group
from townhall.accounts import actions
from townhall.accounts.models import AccessToken, Interest, User
from townhall.activity.models import Activity
from townhall.community.models import GroupMember, Membership
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.policy import Guardian

# --- tokens: actions ------------------------------------------------------------------------------


def test_create_token_stores_only_a_hash(member: User) -> None:
    token, secret = actions.create_access_token(
        Guardian(member), member, name="  Calendar   sync ", scope="write"
    )
    assert secret.startswith("th_") and len(secret) > 40
    assert token.name == "Calendar sync"
    assert token.prefix == secret[:11]
    assert token.token_hash == actions.hash_token(secret)
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().get())
    assert actions.authenticate_token(secret) == (member, "write")
    assert Activity.objects.filter(verb="token.created", target_id=token.pk).exists()


@pytest.mark.parametrize(
    ("name", "scope", "message"),
    [("", "read", "name"), ("   ", "read", "name"), ("x" * 81, "read", "80"), ("ok", "admin", "scope")],
)
def test_create_token_refuses_bad_input(member: User, name: str, scope: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        actions.create_access_token(Guardian(member), member, name=name, scope=scope)
    assert not AccessToken.objects.exists()


def test_at_most_twenty_live_tokens(member: User) -> None:
    made = [
        actions.create_access_token(Guardian(member), member, name=f"t{i}", scope="read")[0]
        for i in range(20)
    ]
    with pytest.raises(Invalid, match="20 tokens"):
        actions.create_access_token(Guardian(member), member, name="one more", scope="read")
    actions.revoke_access_token(Guardian(member), made[0])
    actions.create_access_token(Guardian(member), member, name="one more", scope="read")


def test_revoked_token_stops_working(member: User) -> None:
    token, secret = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    actions.revoke_access_token(Guardian(member), token)
    assert actions.authenticate_token(secret) is None
    actions.revoke_access_token(Guardian(member), token)  # twice is harmless
    assert Activity.objects.filter(verb="token.revoked").count() == 1


def test_cannot_revoke_someone_elses_token(member: User, admin: User) -> None:
    token, _ = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    with pytest.raises(NotFound):
        actions.revoke_access_token(Guardian(admin), token)


def test_cannot_create_token_for_someone_else(member: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_access_token(Guardian(admin), member, name="t", scope="read")


def test_token_of_inactive_user_is_refused(member: User) -> None:
    _, secret = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert actions.authenticate_token(secret) is None


# --- tokens: pages --------------------------------------------------------------------------------


def test_tokens_page_creates_and_shows_secret_once(client_for: Any, member: User) -> None:
    client = client_for(member)
    assert client.get(reverse("accounts:tokens")).status_code == 200
    response = client.post(reverse("accounts:tokens"), {"name": "Backup script", "scope": "read"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = re.search(r'value="(th_[^"]+)"', html)
    assert secret is not None
    assert actions.authenticate_token(secret.group(1)) == (member, "read")
    again = client.get(reverse("accounts:tokens")).content.decode()
    assert secret.group(1) not in again
    assert "Backup script" in again and secret.group(1)[:11] in again
    assert len(re.findall(r"<h1[\s>]", again)) == 1


def test_tokens_page_shows_form_errors(client_for: Any, member: User) -> None:
    response = client_for(member).post(reverse("accounts:tokens"), {"name": "", "scope": "root"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required" in html and "valid choice" in html
    assert not AccessToken.objects.exists()


def test_tokens_page_at_the_limit(client_for: Any, member: User) -> None:
    for i in range(20):
        actions.create_access_token(Guardian(member), member, name=f"t{i}", scope="read")
    client = client_for(member)
    assert "the most you can have" in client.get(reverse("accounts:tokens")).content.decode()
    response = client.post(reverse("accounts:tokens"), {"name": "x", "scope": "read"})
    assert response.status_code == 422
    assert "revoke one" in response.content.decode()


def test_revoke_view(client_for: Any, member: User) -> None:
    token, secret = actions.create_access_token(Guardian(member), member, name="Old", scope="read")
    client = client_for(member)
    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert actions.authenticate_token(secret) is None
    assert "Old" not in client.get(reverse("accounts:tokens")).content.decode().split("Your tokens")[1]


def test_revoke_view_someone_elses_token_is_404(client_for: Any, member: User, admin: User) -> None:
    token, secret = actions.create_access_token(Guardian(member), member, name="Mine", scope="read")
    assert client_for(admin).post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    assert client_for(admin).post(reverse("accounts:token-revoke", args=[99999])).status_code == 404
    assert actions.authenticate_token(secret) is not None


# --- deletion -------------------------------------------------------------------------------------


def test_delete_account_anonymises_everything(
    member: User, django_capture_on_commit_callbacks: Any, client_for: Any
) -> None:
    from allauth.mfa.models import Authenticator

    member.bio = "About me"
    member.links = ["https://example.org"]
    member.save()
    member.interests.add(Interest.objects.create(name="Comets", slug="comets"))
    make_group("Mentors", [member])
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (50, 50)).save(buf, format="PNG")
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_avatar(Guardian(member), member, upload=SimpleUploadedFile("a.png", buf.getvalue()))
    avatar_name = member.avatar.name
    _, secret = actions.create_access_token(Guardian(member), member, name="t", scope="read")
    Authenticator.objects.create(user=member, type=Authenticator.Type.RECOVERY_CODES, data={})
    other_session = client_for(member)
    assert other_session.get(reverse("accounts:settings")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_account(Guardian(member), member, password=PASSWORD)

    gone = User.objects.get(pk=member.pk)
    assert gone.username == f"deleted-{member.pk}"
    assert gone.email.endswith("@deleted.invalid") and "max" not in gone.email
    assert (gone.display_name, gone.bio, gone.links, gone.location) == ("", "", [], "")
    assert not gone.avatar and not default_storage.exists(avatar_name)
    assert not gone.has_usable_password()
    assert gone.is_active is False and gone.deleted_at is not None
    assert gone.interests.count() == 0
    assert Membership.objects.get(user=gone).state == Membership.LEFT
    assert not GroupMember.objects.filter(user=gone).exists()
    assert not EmailAddress.objects.filter(user=gone).exists()
    assert not Authenticator.objects.filter(user=gone).exists()
    assert actions.authenticate_token(secret) is None
    assert Activity.objects.filter(verb="account.deleted", actor_id=gone.pk).exists()
    # Other sessions end: the next request is anonymous.
    response = other_session.get(reverse("accounts:settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_two_deleted_accounts_do_not_collide(member: User, newcomer: User) -> None:
    actions.delete_account(Guardian(member), member, password=PASSWORD)
    actions.delete_account(Guardian(newcomer), newcomer, password=PASSWORD)
    assert User.objects.filter(deleted_at__isnull=False).count() == 2


def test_delete_account_wrong_password(member: User) -> None:
    with pytest.raises(Invalid, match="password is not correct"):
        actions.delete_account(Guardian(member), member, password="wrong")
    member.refresh_from_db()
    assert member.is_active and member.deleted_at is None


def test_owner_must_transfer_ownership_first(owner: User) -> None:
    with pytest.raises(PermissionDenied, match="hand ownership"):
        actions.delete_account(Guardian(owner), owner, password=PASSWORD)


def test_cannot_delete_someone_else(member: User, admin: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.delete_account(Guardian(admin), member, password=PASSWORD)


def test_outsider_without_membership_can_delete(outsider: User) -> None:
    actions.delete_account(Guardian(outsider), outsider, password=PASSWORD)
    assert User.objects.get(pk=outsider.pk).is_active is False


def test_delete_page_flow(client_for: Any, member: User) -> None:
    client = client_for(member)
    page = client.get(reverse("accounts:delete"))
    assert page.status_code == 200 and 'type="password"' in page.content.decode()
    wrong = client.post(reverse("accounts:delete"), {"password": "nope"})
    assert wrong.status_code == 422
    assert "password is not correct" in wrong.content.decode()
    empty = client.post(reverse("accounts:delete"), {})
    assert empty.status_code == 422
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert not User.objects.get(pk=member.pk).is_active
    # The old credentials no longer sign in.
    login = Client().post(reverse("account_login"), {"login": "max", "password": PASSWORD})
    assert login.status_code == 200


def test_delete_page_for_owner_explains(client_for: Any, owner: User) -> None:
    client = client_for(owner)
    assert "Hand ownership" in client.get(reverse("accounts:delete")).content.decode()
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 403
    assert "hand ownership" in response.content.decode()
    assert User.objects.get(pk=owner.pk).is_active


# --- rate limits ------------------------------------------------------------------------------------
def test_token_creation_is_rate_limited_on_the_page_and_in_the_api(
    client_for: Any, member: User, settings: Any
) -> None:
    settings.TOKEN_CREATE_RATE = "3/h"
    client = client_for(member)
    pages = [
        client.post(reverse("accounts:tokens"), {"name": f"script {i}", "scope": "read"}).status_code
        for i in range(4)
    ]
    assert pages == [200, 200, 200, 429]
    assert (
        "Slow down"
        in client.post(reverse("accounts:tokens"), {"name": "x", "scope": "read"}).content.decode()
    )
    api = client.post("/api/v1/me/tokens", data={"name": "api"}, content_type="application/json")
    assert api.status_code == 429 and api.json()["message"]
    assert AccessToken.objects.filter(user=member).count() == 3


def test_theme_changes_are_rate_limited(client_for: Any, member: User, settings: Any) -> None:
    settings.THEME_RATE = "5/m"
    client = client_for(member)
    statuses = [client.post(reverse("accounts:theme"), {"theme": "toggle"}).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    htmx = client.post(reverse("accounts:theme"), {"theme": "dark"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 429
    member.refresh_from_db()
    assert (
        member.theme == "light"
    )  # five toggles from "system" (dark, light, system, dark, light), then refused
