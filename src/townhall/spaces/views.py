"""Space pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.spaces.queries import get_space_or_404, list_visible_spaces


def space_list(request: HttpRequest) -> HttpResponse:
    spaces = list_visible_spaces(request.guardian)  # type: ignore[attr-defined]
    return render(request, "spaces/list.html", {"spaces": spaces})


def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    space = get_space_or_404(request.guardian, slug)  # type: ignore[attr-defined]
    return render(request, "spaces/detail.html", {"space": space})
