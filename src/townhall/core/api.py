"""API plumbing without domain knowledge: the caller, auth, the one error shape, write checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Schema
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from townhall.core import ratelimit
from townhall.core.errors import Invalid, PermissionDenied

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Caller:
    user: Any | None
    via: str  # "token", "session" or "anonymous"
    scope: str  # "read" or "write"


class ErrorOut(Schema):
    message: str
    errors: dict[str, list[str]] = {}


# Every error status an endpoint may answer, in the one shape; spread into `response={200: X, **API_ERRORS}`.
API_ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 422, 429)}


class TokenAuth(HttpBearer):
    """Authorization: Bearer <personal access token>."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        from townhall.accounts.actions import authenticate_token

        found = authenticate_token(token)
        if found is None:
            raise ApiUnauthorized("That access token is not valid or has been revoked.")
        user, scope = found
        request.user = user
        return Caller(user=user, via="token", scope=scope)


class SessionAuth(APIKeyCookie):
    """The browser's session cookie; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("The CSRF token is missing or wrong; reload the page and try again.")
        return Caller(user=request.user, via="session", scope="write")


def anonymous(request: HttpRequest) -> Caller | None:
    """Visitors may read what is public; writes need a session or a token."""
    if request.method in SAFE_METHODS:
        return Caller(user=None, via="anonymous", scope="read")
    return None


class ApiUnauthorized(Exception):
    pass


API_AUTH: list[Callable[..., Any]] = [TokenAuth(), SessionAuth(), anonymous]


def caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined]


def guardian(request: HttpRequest) -> Any:
    from townhall.policy import Guardian

    cached = getattr(request, "_api_guardian", None)
    if cached is None:
        cached = Guardian(caller(request).user)
        request._api_guardian = cached  # type: ignore[attr-defined]
    return cached


def ensure_write(request: HttpRequest) -> None:
    """A write needs a signed-in caller with write scope, within the write rate limit."""
    who = caller(request)
    if who.user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")
    if who.scope != "write":
        raise PermissionDenied("This access token is read-only; create one with write scope.")
    ratelimit.hit(f"api-write:{who.user.pk}", settings.API_WRITE_RATE)


def invalid_from_form(errors: dict[str, Any]) -> Invalid:
    field_errors = {name: [str(e) for e in errs] for name, errs in errors.items()}
    first = next(iter(field_errors.values()), ["The input is not valid."])[0]
    return Invalid(first, field_errors=field_errors)
