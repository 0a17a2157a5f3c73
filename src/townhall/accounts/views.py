"""Profile and settings pages (sign-in, verification, reset and MFA are django-allauth's)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from townhall.accounts import actions
from townhall.accounts.models import User


@login_required
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User.objects.select_related("membership"), username__iexact=username)
    request.guardian.ensure_can_view_profile(person)  # type: ignore[attr-defined]
    return render(request, "accounts/profile.html", {"person": person})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html", {})


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    theme = request.POST.get("theme", "toggle")
    if request.user.is_authenticated:
        actions.set_theme(request.user, theme=theme)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
