"""Site-wide views: health check and error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from townhall.core.health import check_all


async def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each dependency's state, or 503 naming the failing part."""
    report = await check_all()
    status = 200 if report["status"] == "ok" else 503
    return JsonResponse(report, status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"reason": "The request could not be understood."}, status=400)
