"""Community pages: landing, member home, code of conduct, directory, settings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from townhall.community.colors import accent_css_text
from townhall.spaces.queries import list_visible_spaces


def landing(request: HttpRequest) -> HttpResponse:
    community = request.community  # type: ignore[attr-defined]
    guardian = request.guardian  # type: ignore[attr-defined]
    if request.user.is_authenticated and guardian.can_read_as_member:
        return redirect("community:home")
    if not guardian.can_view_landing(community):
        return redirect("account_login")
    spaces = list_visible_spaces(guardian)[:12]
    return render(request, "community/landing.html", {"spaces": spaces})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    guardian = request.guardian  # type: ignore[attr-defined]
    spaces = list_visible_spaces(guardian)[:50]
    return render(request, "community/home.html", {"spaces": spaces})


def conduct(request: HttpRequest) -> HttpResponse:
    return render(request, "community/conduct.html", {})


@require_GET
def accent_css(request: HttpRequest) -> HttpResponse:
    community = request.community  # type: ignore[attr-defined]
    response = HttpResponse(accent_css_text(community.accent_color), content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    request.guardian.ensure_can_view_directory()  # type: ignore[attr-defined]
    return render(request, "community/directory.html", {})


@login_required
def community_settings(request: HttpRequest) -> HttpResponse:
    request.guardian.ensure_can_manage_community()  # type: ignore[attr-defined]
    return render(request, "community/settings.html", {})
