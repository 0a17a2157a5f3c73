"""A shared cache of whole pages as anonymous visitors see them (public topics are read far more than written).

A page is cached only for a visitor with no session and no pending messages, so everyone it is served to
would have been shown the same HTML, apart from two per-request values: the CSRF token and the CSP nonce.
The page is rendered with marks in their place, stored with the marks, and every response (the first one
included) gets this visitor's own token and nonce put in.

Freshness: the caller puts the version of what it shows into the key (a topic's version, bumped by every
change to it). Site-wide things that such a page also shows (the community's identity, the list of spaces,
people's names) bump one site generation, which is part of every key; ``TTL`` bounds anything missed.
The permission check runs before the cache is consulted, on every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token

from townhall.core.effects import on_commit

TTL = 300
GENERATION_KEY = "page-cache:generation"
HEADER = "X-Page-Cache"
# Marks survive HTML escaping unchanged (letters and digits only) and never occur in real content.
CSRF_MARK = "pagecachecsrfmark0d1f8b2e7c4a9"
NONCE_MARK = "pagecachenoncemark5e3b9a1c7f20"
MARKS = {"csrf_token": CSRF_MARK, "csp_nonce": NONCE_MARK}


def eligible(request: HttpRequest, *, allowed_params: frozenset[str] = frozenset()) -> bool:
    """A plain GET by a visitor without a session, messages or htmx, with only the expected parameters."""
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not request.headers.get("HX-Request")
        and set(request.GET) <= allowed_params
    )


def anonymous_page(
    request: HttpRequest,
    *,
    version: str,
    build: Callable[[Mapping[str, str]], HttpResponse],
    allowed_params: frozenset[str] = frozenset(),
) -> HttpResponse:
    """Serve the cached page, or `build(marks)` it, cache a 200 and serve that.

    `build` renders the page with the given context entries added (the marks; empty when the page is not
    cacheable for this request). `version` names the state of what the page shows.
    """
    if not eligible(request, allowed_params=allowed_params):
        return build({})
    generation = cache.get(GENERATION_KEY, 0)
    place = hashlib.blake2b(
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode(), digest_size=16
    )
    key = f"page-cache:{generation}:{version}:{place.hexdigest()}"
    body = cache.get(key)
    if body is not None:
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response[HEADER] = "hit"
    else:
        response = build(MARKS)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response.content, TTL)
        response[HEADER] = "miss"
    if not response.streaming:
        response.content = _fill(request, response.content)
    return response


def _fill(request: HttpRequest, body: bytes) -> bytes:
    if CSRF_MARK.encode() in body:
        body = body.replace(CSRF_MARK.encode(), get_token(request).encode())
    if NONCE_MARK.encode() in body:
        body = body.replace(NONCE_MARK.encode(), str(get_nonce(request)).encode())
    return body


def site_changed() -> None:
    """Something every cached page may show changed: start a new generation now and again after commit
    (the second bump drops pages that a concurrent request rendered from the old rows before the commit)."""
    _bump()
    on_commit(_bump)


def _bump() -> None:
    cache.add(GENERATION_KEY, 0, None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted between the two calls
        cache.set(GENERATION_KEY, 1, None)


def depend_on(labels: tuple[str, ...]) -> None:
    """Start a new generation whenever a row of these models ("app.Model") is saved or deleted: cached
    pages show them (a space's name, a person's name). Called for each registered space kind."""
    for label in labels:
        model = apps.get_model(label)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"pagecache-save-{label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"pagecache-delete-{label}")


def _on_change(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing a page shows
    site_changed()
