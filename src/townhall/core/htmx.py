"""Helpers for views that answer both plain requests and htmx requests.

Form errors over htmx follow one rule (townhall.js sets `htmx.config.responseHandling` to match):
an htmx POST whose input is refused answers **422** with the form's partial — its errors beside the
fields and the typed text kept — and htmx swaps it in. By default the partial replaces the element that
sent the request (the form: `HX-Retarget: this`, `HX-Reswap: outerHTML`), whatever the form's own
`hx-target` says (a reply form appends successes to the posts but puts its errors back in place). Plain
POSTs get the whole page with the same errors. Other 4xx/5xx answers are never swapped into a page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url

FORM_ERRORS_STATUS = 422


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the whole page, or only `template#partial` for an htmx request."""
    name = f"{template}#{partial}" if partial and is_htmx(request) else template
    return render(request, name, context, status=status)


def form_errors(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    retarget: str | None = "this",
    status: int = 400,
) -> HttpResponse:
    """Answer a refused form: htmx gets `template#partial` with 422, swapped in place of the sending
    element (`retarget`; None keeps the form's own hx-target, for partials that are that target);
    a plain POST gets the whole page with `status`."""
    if not is_htmx(request):
        return render(request, template, context, status=status)
    response = render(request, f"{template}#{partial}", context, status=FORM_ERRORS_STATUS)
    if retarget:
        response["HX-Retarget"] = retarget
        response["HX-Reswap"] = "outerHTML"
    return response


def done(
    request: HttpRequest,
    *,
    redirect_to: str,
    message: str | None = None,
    partial: tuple[str, dict[str, Any]] | None = None,
) -> HttpResponse:
    """Answer a successful POST: the partial for htmx, or a redirect with a flash message.

    An htmx request without a partial is sent to the next page with `HX-Redirect` (a redirect the
    XMLHttpRequest would follow would put a whole page inside the form's target)."""
    if partial is not None and is_htmx(request):
        return render(request, partial[0], partial[1])
    if message:
        messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(redirect_to)
        return response
    return redirect(redirect_to)
