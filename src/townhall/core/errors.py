"""Errors that actions raise; views and the API turn them into 403/404/400 with a human reason."""

from __future__ import annotations

from django.http import Http404


class PermissionDenied(Exception):
    """Seen but not allowed: shown as 403 with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(Http404):
    """Unseen or missing: identical 404 either way."""


class Invalid(Exception):
    """Bad input: shown as 400/422 with a message and optional per-field errors."""

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, list[str]] | None = None,
        kept: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        # Input an action already acted on (a stored file's link added to a body): show it again.
        self.kept = kept or {}


class RateLimited(Exception):
    def __init__(self, message: str = "Too many requests; wait a minute and try again.") -> None:
        super().__init__(message)
        self.message = message
