"""The one NinjaAPI at /api/v1/, adding each app's router; one JSON error shape for every failure."""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from townhall.core.api import ApiUnauthorized
from townhall.core.errors import Invalid, PermissionDenied, RateLimited
from townhall.core.pagination import BadCursor
from townhall.web.auth import API_AUTH

api = NinjaAPI(
    title="Townhall API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, message: str, errors: dict | None = None) -> HttpResponse:
    return api.create_response(request, {"message": message, "errors": errors or {}}, status=status)


@api.exception_handler(ValidationError)
def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        # Drop where the value came from (body/payload, query...), not a field that shares the name ("body").
        loc = [str(p) for i, p in enumerate(item.get("loc", [])) if i > 1 or p not in ("body", "query", "path", "payload", "form")]  # fmt: skip
        errors.setdefault(".".join(loc) or "__all__", []).append(str(item.get("msg", "is not valid")))
    first = next(iter(errors.items()), ("", ["is not valid"]))
    message = f"{first[0]}: {first[1][0]}" if first[0] else first[1][0]
    return _error(request, 422, message, errors)


@api.exception_handler(Invalid)
def on_invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
    return _error(request, 422, exc.message, exc.field_errors)


@api.exception_handler(PermissionDenied)
def on_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, exc.reason)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Sign in or send an access token to do that.")


@api.exception_handler(ApiUnauthorized)
def on_unauthorized(request: HttpRequest, exc: ApiUnauthorized) -> HttpResponse:
    return _error(request, 401, str(exc))


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return _error(request, 429, exc.message)


@api.exception_handler(BadCursor)
def on_bad_cursor(request: HttpRequest, exc: BadCursor) -> HttpResponse:
    return _error(request, 400, str(exc))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


def app_modules(name: str) -> list[str]:
    """`townhall.<app>.<name>` for every installed Townhall app that has one, in INSTALLED_APPS order:
    an app's pages (urls) and API (api.router) are found, not listed here."""
    found = []
    for config in apps.get_app_configs():
        module = f"{config.name}.{name}"
        if config.name.startswith("townhall.") and importlib.util.find_spec(module) is not None:
            found.append(module)
    return found


for _module in app_modules("api"):
    _router = getattr(importlib.import_module(_module), "router", None)
    if _router is not None:
        api.add_router("/", _router)
