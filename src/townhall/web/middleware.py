"""Per-request set-up above the apps: the Guardian, the community row, and policy errors as pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject

from townhall.community.queries import get_community
from townhall.core.errors import Invalid, PermissionDenied, RateLimited
from townhall.policy import Guardian


class GuardianMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> None:
        # Lazy, so that an API request's Guardian is built for whoever its token or session turns out to be.
        request.guardian = SimpleLazyObject(lambda: Guardian(request.user))  # type: ignore[attr-defined]
        request.community = SimpleLazyObject(get_community)  # type: ignore[attr-defined]

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"reason": exception.reason}, status=403)
        if isinstance(exception, Invalid):
            return render(request, "400.html", {"reason": exception.message}, status=400)
        if isinstance(exception, RateLimited):
            return render(request, "429.html", {"reason": exception.message}, status=429)
        return None
