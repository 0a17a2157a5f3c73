"""Unsubscribe pages, reached from an email without signing in.

The footer link opens a page that asks before changing anything (a link scanner that fetches every URL
in a message must not unsubscribe anyone); its button posts with the usual CSRF token. The
`List-Unsubscribe` header points at a second URL that takes RFC 8058's one-click POST
(`List-Unsubscribe=One-Click`) from the mail provider, which has no session and no CSRF token: that one
view alone is CSRF-exempt, and it acts only on the exact one-click body.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from townhall.accounts.models import User
from townhall.notifications.email import tokens
from townhall.notifications.email.actions import turn_off
from townhall.notifications.email.choices import kind_of

ONE_CLICK = "One-Click"
BROKEN = "The unsubscribe link is damaged or no longer valid. Sign in and change your notification settings instead."


def _subject(token: str) -> tuple[tokens.Unsubscribe | None, User | None, str]:
    try:
        choice = tokens.read_unsubscribe_token(token)
    except tokens.BadToken:
        return None, None, ""
    user = User.objects.filter(pk=choice.user_id).first()
    if choice.kind == tokens.DIGEST:
        return choice, user, "the digest"
    kind = kind_of(choice.kind)
    return choice, user, (kind.label.lower() if kind else choice.kind.replace("_", " "))


def _masked(address: str) -> str:
    """Enough of the address to recognise it, not enough to harvest it from a forwarded link."""
    local, _, domain = address.partition("@")
    return f"{local[:2]}…@{domain}" if domain else ""


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    choice, user, label = _subject(token)
    if choice is None or user is None:
        broken = {"heading": "This link does not work", "error": BROKEN}
        return render(request, "notifications/email/unsubscribe.html", broken, status=400)
    done = False
    if request.method == "POST":
        turn_off(user_id=user.pk, kind=choice.kind)
        done = True
    context: dict[str, object] = {
        "heading": "Emails turned off" if done else "Stop these emails?",
        "label": label,
        "address": _masked(user.email),
        "done": done,
    }
    return render(request, "notifications/email/unsubscribe.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def one_click(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058: POST with `List-Unsubscribe=One-Click` unsubscribes at once; a GET (an older client
    that opens the header's link) goes to the page that asks first."""
    if request.method == "GET":
        return redirect("notification_email:unsubscribe", token=token)
    if request.POST.get("List-Unsubscribe") != ONE_CLICK:
        return HttpResponseBadRequest("Expected List-Unsubscribe=One-Click.", content_type="text/plain")
    choice, user, _label = _subject(token)
    if choice is None or user is None:
        return HttpResponseBadRequest(
            "This unsubscribe link is damaged or no longer valid.", content_type="text/plain"
        )
    turn_off(user_id=user.pk, kind=choice.kind)
    return HttpResponse("Unsubscribed.", content_type="text/plain")
