"""Profile and settings pages (sign-in, verification, reset, email, password and MFA are django-allauth's)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from townhall.accounts import actions, queries
from townhall.accounts.forms import AccessTokenForm, AvatarForm, DeleteAccountForm, ProfileForm
from townhall.accounts.models import User
from townhall.core.errors import Invalid, PermissionDenied
from townhall.core.htmx import done, is_htmx, render_page
from townhall.core.ratelimit import hit
from townhall.core.registries import profile_blocks
from townhall.policy.request import guardian_of

SETTINGS_WRITE_RATE = "30/m"


def _me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _limit(request: HttpRequest, what: str) -> None:
    hit(f"settings:{what}:{request.user.pk}", SETTINGS_WRITE_RATE)


@login_required
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = queries.get_profile_or_404(guardian_of(request), username)
    local_time = None
    if person.time_zone:
        try:
            local_time = timezone.now().astimezone(zoneinfo.ZoneInfo(person.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            local_time = None
    membership = getattr(person, "membership", None)
    context: dict[str, Any] = {
        "person": person,
        "membership": membership,
        "local_time": local_time,
        "interests": list(person.interests.all()),
        "groups": list(person.member_groups.all()),
        "is_me": person.pk == request.user.pk,
        "blocked": queries.has_blocked(guardian_of(request), person),
        "sections": profile_blocks(request, person),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    themes = [("system", "System"), ("light", "Light"), ("dark", "Dark")]
    return render(request, "accounts/settings.html", {"me": _me(request), "themes": themes})


def _profile_edit_context(request: HttpRequest, form: ProfileForm, avatar_form: AvatarForm) -> dict[str, Any]:
    return {"form": form, "avatar_form": avatar_form, "me": _me(request)}


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if request.method == "POST":
        _limit(request, "profile")
        try:
            actions.update_profile(guardian_of(request), me, data=request.POST)
        except actions.ProfileInvalid as exc:
            context = _profile_edit_context(request, exc.form, AvatarForm())
            return render_page(
                request, "accounts/profile_edit.html", context, partial="profile-form", status=422
            )
        me.refresh_from_db()
        context = {**_profile_edit_context(request, ProfileForm(user=me), AvatarForm()), "saved": True}
        return done(
            request,
            redirect_to=request.path,
            message="Your profile is saved.",
            partial=("accounts/profile_edit.html#profile-form", context),
        )
    form = ProfileForm(user=me)
    return render(request, "accounts/profile_edit.html", _profile_edit_context(request, form, AvatarForm()))


@login_required
@require_POST
def avatar_upload(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    _limit(request, "avatar")
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.set_avatar(guardian_of(request), me, upload=form.cleaned_data["avatar"])
        except Invalid as exc:
            form.add_error("avatar", exc.message)
    if form.errors:
        context = _profile_edit_context(request, ProfileForm(user=me), form)
        return render(request, "accounts/profile_edit.html", context, status=422)
    return done(request, redirect_to="accounts:profile-edit", message="Your picture is updated.")


@login_required
@require_POST
def avatar_remove(request: HttpRequest) -> HttpResponse:
    _limit(request, "avatar")
    actions.remove_avatar(guardian_of(request), _me(request))
    return done(request, redirect_to="accounts:profile-edit", message="Your picture is removed.")


def _tokens_context(request: HttpRequest, form: AccessTokenForm, **extra: Any) -> dict[str, Any]:
    tokens = list(queries.list_tokens(guardian_of(request)))
    return {"form": form, "tokens": tokens, "max_tokens": actions.MAX_LIVE_TOKENS, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _limit(request, "tokens")
        form = AccessTokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = actions.create_access_token(
                    guardian_of(request),
                    _me(request),
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                )
            except Invalid as exc:
                form.add_error(None, exc.message)
            else:
                # The secret is shown in this response only; it is never stored or shown again.
                context = _tokens_context(request, AccessTokenForm(), new_token=token, secret=secret)
                response = render(
                    request,
                    "accounts/tokens.html",
                    context,
                )
                response["Cache-Control"] = "no-store"
                return response
        return render(request, "accounts/tokens.html", _tokens_context(request, form), status=422)
    return render(request, "accounts/tokens.html", _tokens_context(request, AccessTokenForm()))


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    _limit(request, "tokens")
    token = queries.get_token_or_404(guardian_of(request), token_id)
    actions.revoke_access_token(guardian_of(request), token)
    return done(request, redirect_to="accounts:tokens", message=f"The token “{token.name}” is revoked.")


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    guardian = guardian_of(request)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST":
        _limit(request, "delete")
        if form.is_valid():
            try:
                actions.delete_account(guardian, _me(request), password=form.cleaned_data["password"])
            except Invalid as exc:
                form.add_error("password", exc.message)
            else:
                logout(request)
                messages.success(
                    request, "Your account is deleted. Thank you for having been part of this community."
                )
                return redirect("/")
        return render(request, "accounts/delete.html", {"form": form}, status=422)
    return render(
        request, "accounts/delete.html", {"form": form, "blocked": not guardian.accounts.delete_account.can()}
    )


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    theme = request.POST.get("theme", "toggle")
    if request.user.is_authenticated:
        actions.set_theme(request.user, theme=theme)
    if is_htmx(request):
        return HttpResponse(status=204)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def presence_setting(request: HttpRequest) -> HttpResponse:
    """Hide or show one's presence (the checkbox on the settings page), then back to the settings."""
    hidden = actions.set_presence_hidden(
        guardian_of(request), _me(request), hidden=request.POST.get("hide_presence") == "on"
    )
    messages.success(
        request,
        "Others now see you as offline." if hidden else "Others now see when you are online.",
    )
    return redirect("accounts:settings")


# --- blocking and direct-message settings ------------------------------------------------------------
@login_required
def blocked_page(request: HttpRequest) -> HttpResponse:
    """The members I blocked (with Unblock), and whether people I do not talk to yet may message me."""
    guardian = guardian_of(request)
    context = {"me": _me(request), "blocked_people": queries.blocked_members(guardian)}
    return render(request, "accounts/blocked.html", context)


@login_required
@require_POST
def dm_preference(request: HttpRequest) -> HttpResponse:
    actions.set_dm_preference(guardian_of(request), contacts_only=request.POST.get("contacts_only") == "on")
    return done(request, redirect_to="accounts:blocked", message="Saved.")


@login_required
@require_POST
def block(request: HttpRequest, username: str) -> HttpResponse:
    """Block a member (from their profile). A refusal (oneself) comes back as a message, not an error page."""
    guardian = guardian_of(request)
    person = queries.get_profile_or_404(guardian, username)
    try:
        actions.block_member(guardian, person)
    except (PermissionDenied, Invalid) as exc:
        messages.error(request, getattr(exc, "reason", None) or str(exc))
        return redirect("accounts:profile", person.username)
    text = f"You blocked {person.name}. They can no longer message you, and their messages are hidden."
    return done(request, redirect_to=_back_to(request, person), message=text)


@login_required
@require_POST
def unblock(request: HttpRequest, username: str) -> HttpResponse:
    guardian = guardian_of(request)
    person = queries.get_profile_or_404(guardian, username)
    actions.unblock_member(guardian, person)
    return done(request, redirect_to=_back_to(request, person), message=f"You unblocked {person.name}.")


def _back_to(request: HttpRequest, person: User) -> str:
    """Back to the blocked list when the button sat there, to the profile otherwise."""
    if request.POST.get("from") == "blocked":
        return reverse("accounts:blocked")
    return reverse("accounts:profile", args=[person.username])
