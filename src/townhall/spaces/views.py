"""Space pages: parse -> query/action -> render the page, an htmx partial, or a redirect with a message.

Unseen spaces answer 404 (get_space_or_404); refusals raise PermissionDenied, which the middleware
shows as a 403 page with the reason; bad input from an action (Invalid) becomes a 400 page or a
form error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.core import ratelimit
from townhall.core.api import invalid_from_form
from townhall.core.confirm import ask_first, confirmed
from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form
from townhall.core.htmx import done, form_errors, is_htmx, render_page
from townhall.core.registries import space_kinds
from townhall.policy.request import guardian_of
from townhall.spaces import actions, queries
from townhall.spaces.forms import (
    AssignSectionForm,
    DirectionForm,
    InviteForm,
    JoinRequestForm,
    SectionForm,
    SpaceCoverForm,
    SpaceForm,
)
from townhall.spaces.models import Space, SpaceMembership

DETAIL = "spaces/detail.html"
# Page writes share one budget per person (the API has its own, API_WRITE_RATE).
DEFAULT_WRITE_RATE = "60/m"
MEMBERS = "spaces/members.html"
SETTINGS = "spaces/settings.html"


def write_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Count each page write against the person's budget; over it, RateLimited becomes a 429 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            rate = getattr(settings, "SPACES_WRITE_RATE", DEFAULT_WRITE_RATE)
            ratelimit.hit(f"spaces-write:{request.user.pk}", rate)
        return view(request, *args, **kwargs)

    return wrapper


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _absolute(request: HttpRequest, path: str) -> str:
    base = getattr(settings, "BASE_URL", "") or ""
    return f"{base.rstrip('/')}{path}" if base else request.build_absolute_uri(path)


# --- lists and pages -------------------------------------------------------------------------------
@require_GET
def space_list(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    groups = queries.spaces_by_section(guardian)
    readable = [space for group in groups for space in group.spaces if guardian.spaces.read.can(space)]
    queries.add_unread_counts(guardian, readable)
    return render_page(
        request, "spaces/list.html", {"groups": groups, "can_create": guardian.spaces.create.can()}
    )


def _detail_context(request: HttpRequest, space: Space) -> dict[str, Any]:
    guardian = guardian_of(request)
    kind = space_kinds.get(space.kind)
    context: dict[str, Any] = {
        "space": space,
        "can_read": guardian.spaces.read.can(space),
        "post_refusal": guardian.spaces.post.reason(space),
        "can_see_members": guardian.spaces.view_members.can(space),
        "can_manage": guardian.spaces.manage.can(space),
        "can_moderate": guardian.spaces.moderate.can(space),
        "canonical_url": _absolute(request, reverse("spaces:detail", args=[space.slug])),
        "detailed": True,
        "kind": kind,
    }
    if context["can_read"] and kind is not None:
        # The page below the header comes from the app that registered the space's kind.
        template, extra = kind.content(request, space)
        context.update(extra, kind_template=template)
    return context


@require_GET
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = queries.get_space_or_404(guardian_of(request), slug)
    kind = space_kinds.get(space.kind)
    if kind is not None and kind.page_url is not None:
        # Personal spaces (direct conversations) have their own page; the query (?before=) goes along.
        query = request.GET.urlencode()
        return redirect(kind.page_url(space) + (f"?{query}" if query else ""))
    return render_page(request, DETAIL, _detail_context(request, space))


def _membership_answer(request: HttpRequest, space: Space, message: str) -> HttpResponse:
    fallback = reverse("spaces:detail", args=[space.slug])
    compact = request.POST.get("compact") == "1"
    next_url = _next_url(request, fallback)
    context = {"space": space, "detailed": not compact, "next_url": next_url}
    return done(request, redirect_to=next_url, message=message, partial=(f"{DETAIL}#membership", context))


@login_required
@require_POST
@write_limited
def space_join(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    form = JoinRequestForm(request.POST)
    row = None
    if form.is_valid():
        try:
            row = actions.join_space(guardian, space, message=form.cleaned_data["message"])
        except Invalid as exc:
            if not exc.field_errors:
                raise  # refusals about the space itself, not the message: the 400 page says why
            add_invalid_to_form(form, exc)
    if row is None:
        compact = request.POST.get("compact") == "1"
        next_url = _next_url(request, reverse("spaces:detail", args=[space.slug]))
        membership = {"space": space, "detailed": not compact, "next_url": next_url, "join_form": form}
        if is_htmx(request):
            return form_errors(request, DETAIL, membership, partial="membership", retarget=None)
        return render(request, DETAIL, {**_detail_context(request, space), **membership}, status=400)
    if row.state == SpaceMembership.REQUESTED:
        text = f"Your request to join {space.name} has been sent to its moderators."
    else:
        text = f"Welcome to {space.name}!"
    return _membership_answer(request, space, text)


@login_required
@require_POST
@write_limited
def space_leave(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    before = guardian.space_roles.get(space.pk, (None, None))[0]
    actions.leave_space(guardian, space)
    if before == SpaceMembership.REQUESTED:
        text = f"You withdrew your request to join {space.name}."
    elif before == SpaceMembership.INVITED:
        text = f"You declined the invitation to {space.name}."
    else:
        text = f"You left {space.name}."
    if not guardian.spaces.view.can(space):
        # Leaving a secret space hides it: go back to the list rather than to a 404.
        messages.success(request, text)
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("spaces:list")
            return response
        return redirect("spaces:list")
    return _membership_answer(request, space, text)


# --- members -----------------------------------------------------------------------------------------
def _members_context(
    request: HttpRequest, space: Space, invite_form: InviteForm | None = None
) -> dict[str, Any]:
    guardian = guardian_of(request)
    can_moderate = guardian.spaces.moderate.can(space)
    return {
        "space": space,
        "members": queries.space_members(guardian, space),
        "requests": queries.pending_requests(guardian, space) if can_moderate else [],
        "invitations": queries.open_invitations(guardian, space) if can_moderate else [],
        "can_moderate": can_moderate,
        "can_manage": guardian.spaces.manage.can(space),
        "invite_form": invite_form or InviteForm(),
    }


@require_GET
def space_members(request: HttpRequest, slug: str) -> HttpResponse:
    space = queries.get_space_or_404(guardian_of(request), slug)
    return render_page(request, MEMBERS, _members_context(request, space))


def _moderated_space(request: HttpRequest, slug: str) -> Space:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.moderate.ensure(space)
    return space


@login_required
@require_POST
@write_limited
def space_approve(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    space = _moderated_space(request, slug)
    person = queries.get_person_or_404(username)
    actions.approve_join_request(guardian_of(request), space, user=person)
    return done(
        request,
        redirect_to=reverse("spaces:members", args=[space.slug]),
        message=f"@{person.username} is now in {space.name}.",
        partial=(f"{MEMBERS}#decided", {"person": person, "outcome": "approved"}),
    )


@login_required
@require_POST
@write_limited
def space_deny(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    space = _moderated_space(request, slug)
    person = queries.get_person_or_404(username)
    actions.deny_join_request(guardian_of(request), space, user=person)
    return done(
        request,
        redirect_to=reverse("spaces:members", args=[space.slug]),
        message=f"You turned down @{person.username}'s request.",
        partial=(f"{MEMBERS}#decided", {"person": person, "outcome": "denied"}),
    )


@login_required
@require_POST
@write_limited
def space_invite(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = _moderated_space(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        person = form.cleaned_data["username"]
        try:
            row = actions.invite_to_space(guardian, space, user=person)
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            if row.state == SpaceMembership.ACTIVE:
                text = f"@{person.username} had asked to join, so they are in now."
            else:
                text = f"@{person.username} is invited; they will see {space.name} and can accept."
            if is_htmx(request):
                context = _members_context(request, space)
                context["invite_notice"] = text
                return render_page(request, MEMBERS, context, partial="invite")
            return done(request, redirect_to=reverse("spaces:members", args=[space.slug]), message=text)
    context = _members_context(request, space, form)
    return form_errors(request, MEMBERS, context, partial="invite", retarget=None)


@login_required
@require_POST
@write_limited
def space_set_moderator(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.manage.ensure(space)
    person = queries.get_person_or_404(username)
    value = request.POST.get("is_moderator", "")
    if value not in ("1", "0"):
        raise Invalid("Say whether this person should be a moderator (1) or not (0).")
    is_moderator = value == "1"
    row = actions.set_space_moderator(guardian, space, user=person, is_moderator=is_moderator)
    text = (
        f"@{person.username} now moderates {space.name}."
        if is_moderator
        else f"@{person.username} no longer moderates {space.name}."
    )
    return done(
        request,
        redirect_to=reverse("spaces:members", args=[space.slug]),
        message=text,
        partial=(f"{MEMBERS}#member", {"m": row, "space": space, "can_manage": True}),
    )


# --- creating and changing spaces -----------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def space_create(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.spaces.create.ensure()
    form = SpaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            space = actions.create_space(
                guardian,
                kind=data["kind"],
                kind_settings=form.kind_settings(data["kind"]),
                name=data["name"],
                description=data["description"],
                icon=data["icon"],
                visibility=data["visibility"],
                posting=data["posting"],
                group=data["group"],
                section=data["section"],
            )
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            messages.success(request, f"{space.name} is ready. Invite people or share its link.")
            return redirect("spaces:detail", slug=space.slug)
    return render_page(request, "spaces/create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def space_settings(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.manage.ensure(space)
    form = SpaceForm.for_space(space, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_space(
                guardian,
                space,
                name=data["name"],
                description=data["description"],
                icon=data["icon"],
                visibility=data["visibility"],
                posting=data["posting"],
                group=data["group"],
                section=data["section"],
                kind_settings=form.kind_settings(space.kind),
            )
        except Invalid as exc:
            add_invalid_to_form(form, exc)
        else:
            messages.success(request, "Space settings saved.")
            return redirect("spaces:settings", slug=space.slug)
    return render_page(
        request,
        SETTINGS,
        {"space": space, "form": form, "cover_form": SpaceCoverForm.for_space(space)},
    )


@login_required
@require_POST
@write_limited
def space_cover(request: HttpRequest, slug: str) -> HttpResponse:
    """The cover form on the settings page: a palette colour and an optional picture."""
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.manage.ensure(space)
    cover_form = SpaceCoverForm.for_space(space, request.POST, request.FILES)
    if cover_form.is_valid():
        data = cover_form.cleaned_data
        try:
            actions.set_space_cover(
                guardian, space, color=data["color"], image=data["image"], remove_image=data["remove_image"]
            )
        except Invalid as exc:
            add_invalid_to_form(cover_form, exc)
        else:
            messages.success(request, "Cover saved.")
            return redirect("spaces:settings", slug=space.slug)
    context = {"space": space, "form": SpaceForm.for_space(space), "cover_form": cover_form}
    return render_page(request, SETTINGS, context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def space_archive(request: HttpRequest, slug: str) -> HttpResponse:
    """Archive a space once the admin has said yes (GET, or a POST without `confirm`, asks)."""
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.manage.ensure(space)
    if not confirmed(request) and space.archived_at is None:
        return ask_first(
            request,
            title=f"Archive {space.name}?",
            question=(
                "It disappears from lists and the sidebar and takes no new posts or members. "
                "What is in it stays readable, and you can bring it back from its settings."
            ),
            button=f"Archive {space.name}",
            cancel_url=reverse("spaces:settings", args=[space.slug]),
        )
    actions.archive_space(guardian, space)
    return done(
        request,
        redirect_to=reverse("spaces:settings", args=[space.slug]),
        message=f"{space.name} is archived: it is hidden from lists and takes no new posts.",
    )


@login_required
@require_POST
@write_limited
def space_unarchive(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    actions.unarchive_space(guardian, space)
    return done(
        request, redirect_to=reverse("spaces:settings", args=[space.slug]), message=f"{space.name} is back."
    )


# --- the sidebar: sections and order -------------------------------------------------------------
MANAGE = "spaces:manage"


@login_required
@require_GET
def spaces_manage(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    sections = list(queries.sidebar_sections(guardian))
    context = {
        "sections": sections,
        "groups": queries.all_spaces_for_admin(guardian),
        "section_form": SectionForm(),
    }
    return render_page(request, "spaces/manage.html", context)


def _section_form_or_invalid(request: HttpRequest) -> str:
    form = SectionForm(request.POST)
    if not form.is_valid():
        raise invalid_from_form(form.errors)
    return str(form.cleaned_data["name"])


def _direction_or_invalid(request: HttpRequest) -> str:
    form = DirectionForm(request.POST)
    if not form.is_valid():
        raise Invalid('Choose "up" or "down".', field_errors={"direction": ['Choose "up" or "down".']})
    return str(form.cleaned_data["direction"])


@login_required
@require_POST
@write_limited
def section_create(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    guardian.spaces.manage_sidebar.ensure()
    section = actions.create_section(guardian, name=_section_form_or_invalid(request))
    return done(request, redirect_to=reverse(MANAGE), message=f"Section “{section.name}” added.")


@login_required
@require_POST
@write_limited
def section_rename(request: HttpRequest, section_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    section = queries.get_section_or_404(guardian, section_id)
    actions.rename_section(guardian, section, name=_section_form_or_invalid(request))
    return done(request, redirect_to=reverse(MANAGE), message=f"Section renamed to “{section.name}”.")


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def section_delete(request: HttpRequest, section_id: int) -> HttpResponse:
    """Delete a sidebar section once the admin has said yes (GET, or a POST without `confirm`, asks)."""
    guardian = guardian_of(request)
    section = queries.get_section_or_404(guardian, section_id)
    guardian.spaces.manage_sidebar.ensure()
    if not confirmed(request):
        return ask_first(
            request,
            title=f"Delete the section “{section.name}”?",
            question="Its spaces stay as they are, listed without a section in everyone's sidebar.",
            button="Delete section",
            cancel_url=reverse(MANAGE),
        )
    actions.delete_section(guardian, section)
    return done(
        request,
        redirect_to=reverse(MANAGE),
        message=f"Section “{section.name}” deleted; its spaces are now without a section.",
    )


@login_required
@require_POST
@write_limited
def section_move(request: HttpRequest, section_id: int) -> HttpResponse:
    guardian = guardian_of(request)
    section = queries.get_section_or_404(guardian, section_id)
    actions.move_section(guardian, section, direction=_direction_or_invalid(request))
    return done(request, redirect_to=reverse(MANAGE), message=f"Moved “{section.name}”.")


@login_required
@require_POST
@write_limited
def space_move(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    actions.move_space(guardian, space, direction=_direction_or_invalid(request))
    return done(request, redirect_to=reverse(MANAGE), message=f"Moved {space.name}.")


@login_required
@require_POST
@write_limited
def space_assign_section(request: HttpRequest, slug: str) -> HttpResponse:
    guardian = guardian_of(request)
    space = queries.get_space_or_404(guardian, slug)
    guardian.spaces.manage.ensure(space)
    form = AssignSectionForm(request.POST)
    if not form.is_valid():
        raise Invalid("That section no longer exists; reload the page and try again.")
    section = form.cleaned_data["section"]
    actions.assign_section(guardian, space, section=section)
    where = f"“{section.name}”" if section else "no section"
    return done(request, redirect_to=reverse(MANAGE), message=f"{space.name} is now in {where}.")
