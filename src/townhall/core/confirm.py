"""Ask before a destructive action, with or without JavaScript.

A destructive form carries `data-confirm` (the question) and sends `confirm=yes` only once the person has
said yes: townhall.js asks in a native <dialog> and adds the field; without JavaScript the view answers
the unconfirmed POST (or a GET of the same address) with a page that asks, whose form sends it again
with `confirm=yes`. Views check their permissions first, so nobody is asked to confirm what they may not do.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.core.htmx import is_htmx

CONFIRM_FIELD = "confirm"
CONFIRM_VALUE = "yes"


def confirmed(request: HttpRequest) -> bool:
    """A POST the person has confirmed (the dialog or the confirmation page said yes)."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def ask_first(
    request: HttpRequest,
    *,
    title: str,
    question: str,
    button: str,
    cancel_url: str,
    fields: Mapping[str, str] | None = None,
) -> HttpResponse:
    """The confirmation page: `question`, a `button` that sends the action again (with `fields`) and
    `confirm=yes`, and a way back. An htmx request is sent to that page (`HX-Redirect`)."""
    fields = dict(fields or {})
    if is_htmx(request):
        response = HttpResponse(status=204)
        query = f"?{urlencode(fields)}" if fields else ""
        response["HX-Redirect"] = request.path + query
        return response
    context = {
        "confirm": {
            "title": title,
            "question": question,
            "button": button,
            "cancel_url": cancel_url,
            "action": request.path,
            "fields": sorted(fields.items()),
            "field": CONFIRM_FIELD,
            "value": CONFIRM_VALUE,
        }
    }
    return render(request, "confirm.html", context)
