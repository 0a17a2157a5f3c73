"""Community pages for members and visitors: landing, home, code of conduct, directory, invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from townhall.community import actions, queries
from townhall.community.colors import accent_css_text
from townhall.community.models import Membership
from townhall.community.views._helpers import WRITE_RATE, community_of, flash_invalid, guardian_of
from townhall.core import ratelimit
from townhall.core.errors import Invalid
from townhall.core.htmx import render_page
from townhall.core.pagination import BadCursor
from townhall.core.registries import home_blocks
from townhall.policy import Guardian
from townhall.realtime import presence
from townhall.spaces.queries import list_visible_spaces

# Never worth crawling, whatever the community shows: sign-in and account pages, settings, the API,
# uploaded files and per-person pages (home, unread, search results, invitations, feeds of nobody).
ROBOTS_PRIVATE_PATHS = (
    "/accounts/", "/api/", "/settings/", "/django-admin/", "/media/", "/uploads/", "/home/", "/welcome/",
    "/join/", "/leave/", "/invite/", "/unread/", "/new/", "/search/", "/mentions/", "/u/", "/healthz",
)  # fmt: skip


def landing(request: HttpRequest) -> HttpResponse:
    """The public face: identity, mission, values, public spaces and a way in. Private → log in."""
    community = community_of(request)
    guardian = guardian_of(request)
    if request.user.is_authenticated and guardian.can_read_as_member:
        return redirect("community:home")
    if not guardian.community.view_landing.can(community):
        return redirect(f"{reverse('account_login')}?next={reverse('community:home')}")
    spaces = list(list_visible_spaces(guardian)[:12])
    return render(request, "community/landing.html", {"spaces": spaces})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The member's home: a feed of what the apps registered (core.registries.home_sections: what is
    new in their spaces, topics to continue, new members...), applications waiting, onboarding nudge."""
    guardian = guardian_of(request)
    if not guardian.can_read_as_member:
        return redirect("community:onboarding")
    blocks = home_blocks(request)
    context = {
        "membership": guardian.membership,
        "main_sections": [b for b in blocks if b.placement != "aside"],
        "aside_sections": [b for b in blocks if b.placement == "aside"],
        "pending_count": queries.pending_application_count(guardian),
    }
    return render(request, "community/home.html", context)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """What crawlers may read: what an anonymous visitor may, never private paths; nothing when the
    community's landing page is private. Points to the sitemap of public spaces and topics."""
    community = community_of(request)
    lines = ["User-agent: *"]
    if Guardian(None).community.view_landing.can(community):
        lines += [f"Disallow: {path}" for path in ROBOTS_PRIVATE_PATHS]
        lines += ["Allow: /", "", f"Sitemap: {request.build_absolute_uri(reverse('discussions:sitemap'))}"]
    else:
        lines.append("Disallow: /")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def conduct(request: HttpRequest) -> HttpResponse:
    return render(request, "community/conduct.html", {})


@require_GET
def accent_css(request: HttpRequest) -> HttpResponse:
    community = community_of(request)
    response = HttpResponse(accent_css_text(community.accent_color), content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    """Search and filter members; "members like you" ranked by shared interests. Fixed query count."""
    guardian = guardian_of(request)
    guardian.community.view_directory.ensure()
    filters = queries.DirectoryFilters.from_params(request.GET)
    cursor = request.GET.get("cursor") or None
    try:
        page = queries.directory_page(guardian, filters, cursor=cursor)
    except BadCursor as exc:
        messages.error(request, str(exc))
        page = queries.directory_page(guardian, filters, cursor=None)
    params = request.GET.copy()
    params.pop("cursor", None)
    if page.next_cursor:
        params["cursor"] = page.next_cursor
    context = {
        "filters": filters,
        "page": page,
        "next_query": params.urlencode() if page.next_cursor else "",
        "like_you": [] if filters.active or cursor else queries.members_like_you(guardian),
        "options": queries.directory_options(),
        # Online, away or offline beside each name: one cache read for the page (hidden ones: offline).
        "presence": presence.of([m.user_id for m in page.items], viewer_id=guardian.user_id),
    }
    return render_page(request, "community/directory.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Show who invites you to what; signed-in people accept with one button (POST)."""
    guardian = guardian_of(request)
    invite = queries.get_invitation_by_token_or_404(token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        ratelimit.hit(f"community-accept:{request.user.pk}", WRITE_RATE)
        try:
            actions.accept_invitation(guardian, token)
        except Invalid as exc:
            flash_invalid(request, exc)
            return redirect("community:invitation", token=token)
        messages.success(request, f"Welcome to {community_of(request).name}!")
        return redirect("community:onboarding")
    problem = actions.check_invitation(invite, request.user if request.user.is_authenticated else None)
    status = 200 if problem is None else 410
    context = {"invitation": invite, "problem": problem, "next": request.path}
    return render(request, "community/invitation.html", context, status=status)


@login_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Leave the community (the owner cannot)."""
    membership = actions.leave_community(guardian_of(request))
    assert membership.state == Membership.LEFT
    messages.success(request, "You have left the community. You are welcome back any time.")
    return redirect("community:landing")
