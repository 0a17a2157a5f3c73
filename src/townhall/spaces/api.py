"""API routes for spaces: the same queries and actions as the pages, as JSON."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from pydantic import Field

from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.ids import Limit
from townhall.core.pagination import paginate
from townhall.core.schemas import InputSchema, Text
from townhall.policy.request import guardian_of
from townhall.spaces import actions, queries
from townhall.spaces.models import Space

router = Router(tags=["spaces"])


class SpaceOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    icon: str
    cover: str = Field(description="The cover colour: a palette key (the CSS class cover-<key>)")
    cover_image: str | None = Field(description="The cover picture's URL, or null")
    kind: str
    visibility: str
    posting: str
    group: str | None
    section: str | None
    member_count: int
    archived: bool
    url: str
    my_state: str | None = Field(description='"active", "requested", "invited" or null')
    my_role: str | None = Field(description='"member", "moderator" or null')
    join_mode: str | None = Field(description='How I can join now: "join", "request", "accept" or null')
    can_read: bool
    can_post: bool


class SpacePage(Schema):
    items: list[SpaceOut]
    next_cursor: str | None


class JoinIn(InputSchema):
    message: str = Field(default="", max_length=actions.REQUEST_MESSAGE_MAX)


class MembershipOut(Schema):
    space: str
    state: str | None = Field(description='"active", "requested", "invited", or null after leaving')
    role: str | None
    member_count: int


def _space_out(g: Any, space: Space) -> dict[str, Any]:
    state, role = g.space_roles.get(space.pk, (None, None))
    return {
        "id": space.pk,
        "slug": space.slug,
        "name": space.name,
        "description": space.description,
        "icon": space.icon,
        "cover": space.cover,
        "cover_image": space.cover_image.url if space.cover_image else None,
        "kind": space.kind,
        "visibility": space.visibility,
        "posting": space.posting,
        "group": space.group.name if space.group_id and space.group else None,
        "section": space.section.name if space.section_id and space.section else None,
        "member_count": space.member_count,
        "archived": space.archived_at is not None,
        "url": reverse("spaces:detail", args=[space.slug]),
        "my_state": state,
        "my_role": role,
        "join_mode": g.spaces.join_mode(space),
        "can_read": g.spaces.read.can(space),
        "can_post": g.spaces.post.can(space),
    }


@router.get("/spaces", response={200: SpacePage, **API_ERRORS}, summary="Spaces I can see")
def list_spaces(request: HttpRequest, cursor: Text | None = None, limit: Limit = 50) -> dict[str, Any]:
    """Every non-archived space listed to the caller, by name, with a cursor for the next page."""
    g = guardian_of(request)
    page = paginate(queries.list_visible_spaces(g), order=("name", "id"), cursor=cursor, limit=limit)
    return {"items": [_space_out(g, s) for s in page.items], "next_cursor": page.next_cursor}


@router.get("/spaces/{slug}", response={200: SpaceOut, **API_ERRORS}, summary="One space")
def get_space(request: HttpRequest, slug: Text) -> dict[str, Any]:
    """404 when the space does not exist or the caller may not see it (the same answer)."""
    g = guardian_of(request)
    return _space_out(g, queries.get_space_or_404(g, slug))


@router.post(
    "/spaces/{slug}/join", response={200: MembershipOut, 201: MembershipOut, **API_ERRORS}, summary="Join"
)
def join(request: HttpRequest, slug: Text, payload: JoinIn | None = None) -> Any:
    """Join directly (201, state "active"), ask to join a private space (201, state "requested"),
    or accept an invitation (200, state "active")."""
    ensure_write(request)
    g = guardian_of(request)
    space = queries.get_space_or_404(g, slug)
    was_invited = g.spaces.is_invited(space)
    row = actions.join_space(g, space, message=payload.message if payload else "")
    body = {"space": space.slug, "state": row.state, "role": row.role, "member_count": space.member_count}
    return Status(200 if was_invited else 201, body)


@router.post("/spaces/{slug}/leave", response={200: MembershipOut, **API_ERRORS}, summary="Leave")
def leave(request: HttpRequest, slug: Text) -> dict[str, Any]:
    """Leave, withdraw a request, or decline an invitation; 403 when not in the space."""
    ensure_write(request)
    g = guardian_of(request)
    space = queries.get_space_or_404(g, slug)
    actions.leave_space(g, space)
    return {"space": space.slug, "state": None, "role": None, "member_count": space.member_count}
