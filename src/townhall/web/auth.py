"""Who is calling the API: a personal access token, the browser's session, or an anonymous reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from townhall.accounts.actions import authenticate_token
from townhall.core.api import SAFE_METHODS, ApiUnauthorized, Caller
from townhall.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    """Authorization: Bearer <personal access token>."""

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
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


API_AUTH: list[Callable[..., Any]] = [TokenAuth(), SessionAuth(), anonymous]
