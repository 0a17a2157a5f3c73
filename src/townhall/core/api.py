"""API plumbing without domain knowledge: the caller, the one error shape, write checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Schema

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


class ApiUnauthorized(Exception):
    pass


def caller(request: HttpRequest) -> Caller:
    return request.auth  # type: ignore[attr-defined]


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
