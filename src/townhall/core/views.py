"""Site-wide views: health check and error pages."""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static

from townhall.core.health import check_all


async def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each dependency's state, or 503 naming the failing part."""
    report = await check_all()
    status = 200 if report["status"] == "ok" else 503
    return JsonResponse(report, status=status)


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, asked for by browsers and feed readers that ignore <link rel="icon">: the SVG icon."""
    response = HttpResponseRedirect(static("townhall/favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the context processors read the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", {"reason": "The request could not be understood."}, status=400)
