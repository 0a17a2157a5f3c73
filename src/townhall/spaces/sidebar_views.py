"""The sidebar alone, for a page whose stream says that an unread count may have changed (sidebar.js):
the same template and context as every page's sidebar, so the counts are the reader's own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from townhall.core.htmx import is_htmx


@login_required
@require_GET
def sidebar_fragment(request: HttpRequest) -> HttpResponse:
    """htmx: the sidebar's navigation (the spaces this person reads, with their unread counts);
    otherwise the space list, which shows the same."""
    if not is_htmx(request):
        return redirect("spaces:list")
    response = render(request, "includes/sidebar.html")
    response["Cache-Control"] = "no-store"
    return response
