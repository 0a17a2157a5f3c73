"""Small helpers shared by the community views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from townhall.core.errors import Invalid

# Joining, applying, accepting and inviting from pages: generous for people, tight for scripts.
WRITE_RATE = "30/m"


def guardian_of(request: HttpRequest) -> Any:
    return request.guardian  # type: ignore[attr-defined]


def community_of(request: HttpRequest) -> Any:
    return request.community  # type: ignore[attr-defined]


def form_errors_from(form: forms.Form, exc: Invalid) -> None:
    """Show an action's Invalid on the form: per field where the field exists, else at the top."""
    placed = False
    for name, errors in exc.field_errors.items():
        if name in form.fields:
            for error in errors:
                form.add_error(name, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def flash_invalid(request: HttpRequest, exc: Invalid) -> None:
    messages.error(request, exc.message)
