"""Small helpers shared by the community views."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest

from townhall.community.models import Community
from townhall.core.errors import Invalid
from townhall.policy.request import GuardedRequest, guardian_of

__all__ = ["community_of", "flash_invalid", "guardian_of"]

# Joining, applying, accepting and inviting from pages: generous for people, tight for scripts.
WRITE_RATE = "30/m"


def community_of(request: HttpRequest) -> Community:
    return cast(GuardedRequest, request).community


def flash_invalid(request: HttpRequest, exc: Invalid) -> None:
    messages.error(request, exc.message)
