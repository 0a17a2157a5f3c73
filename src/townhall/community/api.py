"""API routes for the community: identity, settings, directory, profiles, joining.

The same actions and queries as the pages; errors share the one JSON shape (see townhall.api).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from townhall.community import actions, queries
from townhall.community.models import Membership
from townhall.community.schemas import (
    CommunityOut,
    CommunityPatch,
    JoinIn,
    MemberPage,
    MembersBulkIn,
    MembersBulkOut,
    MembershipOut,
    ProfileOut,
)
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.ids import Limit
from townhall.core.markdown import render_markdown
from townhall.core.schemas import InputSchema, Text
from townhall.policy.request import guardian_of

router = Router(tags=["community"])


def _community_out(request: HttpRequest) -> dict[str, Any]:
    g = guardian_of(request)
    community = queries.get_community()
    out: dict[str, Any] = {
        "name": community.name,
        "tagline": community.tagline,
        "logo_url": request.build_absolute_uri(community.logo.url) if community.logo else None,
        "accent_color": community.accent_color,
        "landing_public": community.landing_public,
        "join_policy": community.join_policy,
        "viewer_state": g.state,
        "viewer_role": g.role,
    }
    if community.landing_public or g.can_read_as_member:
        out.update(
            mission=community.mission,
            mission_html=render_markdown(community.mission),
            values=community.values,
            values_html=render_markdown(community.values),
            code_of_conduct=community.code_of_conduct,
            code_of_conduct_html=render_markdown(community.code_of_conduct),
            screening_questions=list(community.screening_questions or []),
        )
    return out


@router.get("/community", response={200: CommunityOut, **API_ERRORS}, summary="The community's identity")
def get_community(request: HttpRequest) -> Any:
    """Name, tagline, logo, accent colour and join policy for anyone; mission, values and code of
    conduct too when the landing page is public or the caller is a member."""
    return _community_out(request)


@router.patch(
    "/community", response={200: CommunityOut, **API_ERRORS}, summary="Change the community's settings"
)
def patch_community(request: HttpRequest, payload: CommunityPatch) -> Any:
    """Admins only. Send only the fields to change."""
    ensure_write(request)
    changes = payload.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None}
    actions.update_community(guardian_of(request), None, **changes)
    return _community_out(request)


def _membership_out(m: Membership) -> dict[str, Any]:
    return {"state": m.state, "role": m.role, "joined_at": m.joined_at, "onboarded": m.onboarded}


@router.post("/community/join", response={200: MembershipOut, **API_ERRORS}, summary="Join or apply")
def join_community(request: HttpRequest, payload: JoinIn) -> Any:
    """Open communities: become an active member. By approval: apply with one answer per screening
    question (pending). Invitation only: 403 with the reason."""
    ensure_write(request)
    membership = actions.join_community(
        guardian_of(request), queries.get_community(), answers=payload.answers
    )
    return _membership_out(membership)


@router.post(
    "/invitations/{token}/accept", response={200: MembershipOut, **API_ERRORS}, summary="Accept an invitation"
)
def accept_invitation(request: HttpRequest, token: Text) -> Any:
    ensure_write(request)
    return _membership_out(actions.accept_invitation(guardian_of(request), token))


class DirectoryQuery(InputSchema):
    q: str = ""
    interest: str = ""
    location: str = ""
    role: str = ""
    group: str = ""
    cursor: str | None = None
    limit: Limit = 30


def _member_out(request: HttpRequest, m: Membership) -> dict[str, Any]:
    user = m.user
    return {
        "username": user.username,
        "name": user.name,
        "avatar_url": request.build_absolute_uri(user.avatar.url) if user.avatar else None,
        "location": user.location,
        "role": m.role,
        "state": m.state,
        "joined_at": m.joined_at,
        "interests": [{"slug": i.slug, "name": i.name} for i in user.interests.all()],
        "groups": [{"slug": g.slug, "name": g.name} for g in user.member_groups.all()],
    }


@router.get("/members", response={200: MemberPage, **API_ERRORS}, summary="The member directory")
def list_members(request: HttpRequest, params: Query[DirectoryQuery]) -> Any:
    """Search by name or @username; filter by interest (slug), location, role and group (slug).
    Alphabetical by @username with cursor pagination. Members only (404 otherwise)."""
    g = guardian_of(request)
    g.community.view_directory.ensure()
    filters = queries.DirectoryFilters.from_params(params.model_dump())
    page = queries.directory_page(g, filters, cursor=params.cursor, limit=params.limit)
    return {"items": [_member_out(request, m) for m in page.items], "next_cursor": page.next_cursor}


@router.get("/members/{username}", response={200: ProfileOut, **API_ERRORS}, summary="A member's profile")
def get_member(request: HttpRequest, username: Text) -> Any:
    m = queries.get_member_or_404(guardian_of(request), username)
    user = m.user
    out = _member_out(request, m)
    out.update(
        display_name=user.display_name,
        bio=user.bio,
        bio_html=render_markdown(user.bio),
        time_zone=user.time_zone,
        links=list(user.links or []),
        can_help_with=user.can_help_with,
        looking_for=user.looking_for,
        introduction=m.introduction,
        introduction_html=render_markdown(m.introduction),
    )
    return out


@router.post(
    "/memberships/bulk", response={200: MembersBulkOut, **API_ERRORS}, summary="Change many members at once"
)
def bulk_members(request: HttpRequest, payload: MembersBulkIn) -> Any:
    """Moderators (group changes: admins). Each row goes through its own action and Guardian rule:
    rows refused are listed with the reason and left alone; the others change. Ids the caller may
    not see are left out, exactly like missing ones."""
    ensure_write(request)
    g = guardian_of(request)
    g.community.manage_members.ensure()
    group = queries.get_group_or_404(payload.group) if payload.group else None
    rows = queries.memberships_by_ids(g, list(payload.ids))
    result = actions.bulk_update_members(
        g, rows, op=payload.op, role=payload.role, group=group, reason=payload.reason
    )
    return {
        "done": [m.user.username for m in result.done],
        "refused": [{"username": m.user.username, "reason": reason} for m, reason in result.refused],
    }
