"""Helpers for views that answer both plain requests and htmx requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


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


def done(
    request: HttpRequest,
    *,
    redirect_to: str,
    message: str | None = None,
    partial: tuple[str, dict[str, Any]] | None = None,
) -> HttpResponse:
    """Answer a successful POST: the partial for htmx, or a redirect with a flash message."""
    if partial is not None and is_htmx(request):
        response = render(request, partial[0], partial[1])
        return response
    if message:
        messages.success(request, message)
    return redirect(redirect_to)
