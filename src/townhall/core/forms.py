"""Form helpers without domain knowledge."""

from __future__ import annotations

from django import forms

from townhall.core.errors import Invalid


def add_invalid_to_form(form: forms.BaseForm, exc: Invalid) -> None:
    """Show an action's Invalid on the form: on its fields where they exist, else as a form-wide error."""
    placed = False
    for name, errors in exc.field_errors.items():
        if name in form.fields:
            for error in errors:
                form.add_error(name, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
