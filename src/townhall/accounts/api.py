"""API routes for the caller's own account: /me and /me/tokens. Same actions and queries as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from townhall.accounts import actions, queries
from townhall.accounts.models import AccessToken, User
from townhall.accounts.schemas import MeOut, MePatch, TokenCreatedOut, TokenIn, TokenOut
from townhall.community.models import Membership
from townhall.core.api import API_ERRORS, ApiUnauthorized, caller, ensure_write
from townhall.core.errors import PermissionDenied
from townhall.core.ids import Id
from townhall.core.markdown import render_markdown
from townhall.policy.request import guardian_of

router = Router(tags=["accounts"])


def _signed_in(request: HttpRequest) -> User:
    user = caller(request).user
    if user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")
    return user


def me_out(user: User) -> dict[str, Any]:

    membership = Membership.objects.filter(user_id=user.pk).first()
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "avatar_url": user.avatar.url if user.avatar else None,
        "bio": user.bio,
        "bio_html": str(render_markdown(user.bio)),
        "location": user.location,
        "time_zone": user.time_zone,
        "links": list(user.links or []),
        "interests": [{"name": i.name, "slug": i.slug} for i in user.interests.order_by("name")],
        "can_help_with": user.can_help_with,
        "looking_for": user.looking_for,
        "theme": user.theme,
        "hide_presence": user.hide_presence,
        "membership": None
        if membership is None
        else {
            "role": membership.role,
            "state": membership.state,
            "joined_at": membership.joined_at,
            "onboarded": membership.onboarded,
        },
    }


@router.get("/me", response={200: MeOut, **API_ERRORS}, summary="Your account, profile and membership")
def get_me(request: HttpRequest) -> dict[str, Any]:
    return me_out(_signed_in(request))


@router.patch(
    "/me", response={200: MeOut, **API_ERRORS}, summary="Change your profile (only the fields sent)"
)
def patch_me(request: HttpRequest, payload: MePatch) -> dict[str, Any]:
    user = _signed_in(request)
    ensure_write(request)
    data: dict[str, Any] = payload.model_dump(exclude_unset=True, exclude_none=True)
    hide_presence = data.pop("hide_presence", None)
    if hide_presence is not None:
        actions.set_presence_hidden(guardian_of(request), user, hidden=hide_presence)
    if "interests" in data:
        # The API names interests; the form's "typed" field accepts any names, featured or new.
        data["new_interests"] = ", ".join(name.replace(",", " ") for name in data.pop("interests"))
        data["interests"] = []
    if data or hide_presence is None:  # a PATCH of the presence setting alone changes no profile
        actions.update_profile(guardian_of(request), user, data=data, partial=True)
    user.refresh_from_db()
    return me_out(user)


def token_out(token: AccessToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
    }


@router.get("/me/tokens", response={200: list[TokenOut], **API_ERRORS}, summary="Your live access tokens")
def list_my_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    _signed_in(request)
    return [token_out(t) for t in queries.list_tokens(guardian_of(request))]


@router.post(
    "/me/tokens",
    response={201: TokenCreatedOut, **API_ERRORS},
    summary="Create an access token (session only; the secret is returned once)",
)
def create_my_token(request: HttpRequest, payload: TokenIn) -> Status:
    user = _signed_in(request)
    if caller(request).via != "session":
        raise PermissionDenied(
            "An access token cannot create tokens; create one in your settings while signed in."
        )
    ensure_write(request)
    token, secret = actions.create_access_token(
        guardian_of(request), user, name=payload.name, scope=payload.scope
    )
    return Status(201, {**token_out(token), "secret": secret})


@router.delete(
    "/me/tokens/{token_id}", response={204: None, **API_ERRORS}, summary="Revoke one of your tokens"
)
def revoke_my_token(request: HttpRequest, token_id: Id) -> HttpResponse:
    _signed_in(request)
    ensure_write(request)
    token = queries.get_token_or_404(guardian_of(request), token_id)
    actions.revoke_access_token(guardian_of(request), token)
    return HttpResponse(status=204)


# --- blocking ----------------------------------------------------------------------------------------
class BlockedOut(Schema):
    username: str
    name: str


@router.get("/me/blocks", response={200: list[BlockedOut], **API_ERRORS}, summary="Members you blocked")
def list_my_blocks(request: HttpRequest) -> Any:
    _signed_in(request)
    return [{"username": p.username, "name": p.name} for p in queries.blocked_members(guardian_of(request))]


@router.put("/members/{username}/block", response={200: BlockedOut, **API_ERRORS}, summary="Block a member")
def block_member(request: HttpRequest, username: str) -> Any:
    """No direct messages between you, presence hidden both ways, their messages hidden from you.
    Blocking again changes nothing."""
    _signed_in(request)
    ensure_write(request)
    g = guardian_of(request)
    person = queries.get_profile_or_404(g, username)
    actions.block_member(g, person)
    return {"username": person.username, "name": person.name}


@router.delete("/members/{username}/block", response={204: None, **API_ERRORS}, summary="Unblock a member")
def unblock_member(request: HttpRequest, username: str) -> HttpResponse:
    _signed_in(request)
    ensure_write(request)
    g = guardian_of(request)
    actions.unblock_member(g, queries.get_profile_or_404(g, username))
    return HttpResponse(status=204)


class DmPreferenceIO(Schema):
    contacts_only: bool


@router.put(
    "/me/dm-preference",
    response={200: DmPreferenceIO, **API_ERRORS},
    summary="Take direct messages from contacts only (people you already share a conversation with)",
)
def set_dm_preference(request: HttpRequest, payload: DmPreferenceIO) -> Any:
    _signed_in(request)
    ensure_write(request)
    user = actions.set_dm_preference(guardian_of(request), contacts_only=payload.contacts_only)
    return {"contacts_only": user.dms_from_contacts_only}
