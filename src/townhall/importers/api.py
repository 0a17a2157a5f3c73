"""API routes for imports and the people they found: the same actions as the pages. Uploading an
export is a page (or the `townhall import` command): a multi-gigabyte file is not a JSON body."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from townhall.accounts.models import User
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.errors import Invalid, NotFound
from townhall.core.schemas import InputSchema
from townhall.importers import actions
from townhall.importers.models import ImportRun, Placeholder
from townhall.policy.request import guardian_of

router = Router(tags=["imports"])


class RunOut(Schema):
    id: int
    source: str
    file_name: str
    state: str = Field(description="draft, queued, running, done or failed")
    space: str | None = Field(None, description="The target chat space's slug")
    counts: dict[str, Any] = Field(description="What was stored, by kind (see docs/importers.md)")
    error: str = ""
    progress_percent: int | None = Field(None, description="While running: how much of the file was read")
    created_at: datetime
    finished_at: datetime | None = None


class PlaceholderOut(Schema):
    id: int
    source: str
    source_id: str
    name: str
    handle: str
    username: str | None = Field(None, description="The placeholder's account, while not claimed")
    claimed_by: str | None = Field(None, description="The member who owns this history now")
    merged_into: int | None = None


class MatchIn(InputSchema):
    username: str = Field(max_length=150)


class ClaimIn(InputSchema):
    email: str = Field("", max_length=254, description="Empty: a link to share, returned once")


class ClaimOut(Schema):
    url: str
    expires_at: datetime
    emailed: bool


class MergeIn(InputSchema):
    into: int = Field(description="The placeholder to keep")


def _run(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.pk, "source": run.source, "file_name": run.file_name, "state": run.state,
        "space": run.space.slug if run.space else None, "counts": run.counts, "error": run.error,
        "progress_percent": actions.read_progress(run).percent if not run.finished else 100 if run.state == ImportRun.DONE else None,
        "created_at": run.created_at, "finished_at": run.finished_at,
    }  # fmt: skip


def _placeholder(p: Placeholder) -> dict[str, Any]:
    return {
        "id": p.pk, "source": p.source, "source_id": p.source_id, "name": p.name, "handle": p.handle,
        "username": p.user.username if p.user else None,
        "claimed_by": p.claimed_by.username if p.claimed_by else None, "merged_into": p.merged_into_id,
    }  # fmt: skip


def _placeholder_or_404(placeholder_id: int) -> Placeholder:
    found = Placeholder.objects.select_related("user", "claimed_by").filter(pk=placeholder_id).first()
    if found is None:
        raise NotFound("No such person")
    return found


@router.get("/imports", response={200: list[RunOut], **API_ERRORS}, summary="Imports")
def list_imports(request: HttpRequest) -> Any:
    """The latest 50 imports (owners and admins)."""
    guardian_of(request).importers.manage.ensure()
    return [_run(r) for r in ImportRun.objects.select_related("space")[:50]]


@router.get(
    "/imports/{run_id}", response={200: RunOut, **API_ERRORS}, summary="One import, with its progress"
)
def get_import(request: HttpRequest, run_id: int) -> Any:
    guardian_of(request).importers.manage.ensure()
    run = ImportRun.objects.select_related("space").filter(pk=run_id).first()
    if run is None:
        raise NotFound("No such import")
    return _run(run)


@router.get("/imports/people/", response={200: list[PlaceholderOut], **API_ERRORS}, summary="People found")
def list_placeholders(request: HttpRequest) -> Any:
    """The placeholders imports made, by name (at most 500)."""
    guardian_of(request).importers.manage.ensure()
    rows = Placeholder.objects.select_related("user", "claimed_by").order_by("name", "id")[:500]
    return [_placeholder(p) for p in rows]


@router.post(
    "/imports/people/{placeholder_id}/match",
    response={200: PlaceholderOut, **API_ERRORS},
    summary="Match to a member",
)
def match(request: HttpRequest, placeholder_id: int, payload: MatchIn) -> Any:
    ensure_write(request)
    member = User.objects.filter(username__iexact=payload.username.lstrip("@")).first()
    if member is None:
        message = f"No member is called @{payload.username[:150]}."
        raise Invalid(message, field_errors={"username": [message]})
    found = actions.match_placeholder(
        guardian_of(request), _placeholder_or_404(placeholder_id), member=member
    )
    return _placeholder(_placeholder_or_404(found.pk))


@router.post(
    "/imports/people/{placeholder_id}/claims",
    response={201: ClaimOut, **API_ERRORS},
    summary="Invite to claim",
)
def invite(request: HttpRequest, placeholder_id: int, payload: ClaimIn) -> Any:
    ensure_write(request)
    claim = actions.invite_to_claim(
        guardian_of(request), _placeholder_or_404(placeholder_id), email=payload.email
    )
    url = request.build_absolute_uri(f"/claim/{claim.token}/")
    return Status(
        201, {"url": url, "expires_at": claim.invitation.expires_at, "emailed": bool(payload.email.strip())}
    )


@router.post(
    "/imports/people/{placeholder_id}/merge",
    response={200: PlaceholderOut, **API_ERRORS},
    summary="Merge two",
)
def merge(request: HttpRequest, placeholder_id: int, payload: MergeIn) -> Any:
    ensure_write(request)
    found = actions.merge_placeholders(
        guardian_of(request), _placeholder_or_404(placeholder_id), into=_placeholder_or_404(payload.into)
    )
    return _placeholder(_placeholder_or_404(found.pk))
