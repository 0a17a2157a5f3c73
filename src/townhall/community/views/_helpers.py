"""Small helpers shared by the community views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from townhall.core.errors import Invalid

# Joining, applying, accepting and inviting from pages: generous for people, tight for scripts.
WRITE_RATE = "30/m"


def guardian_of(request: HttpRequest) -> Any:
    return request.guardian  # type: ignore[attr-defined]


def community_of(request: HttpRequest) -> Any:
    return request.community  # type: ignore[attr-defined]


def flash_invalid(request: HttpRequest, exc: Invalid) -> None:
    messages.error(request, exc.message)
