"""A space kind that lives only in the tests: it proves that a new kind touches nothing but its own app.

Installed by tests/spaces/test_toy_kind.py through the `settings` fixture; it registers itself from
ready() like any real app, and keeps its one setting (a motto) in the space's kind settings.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import AppConfig


def content(request: Any, space: Any) -> tuple[str, dict[str, Any]]:
    return "toykind/content.html", {"motto": space.kind_settings.get("motto", "")}


def unread(guardian: Any, space_ids: list[int]) -> dict[int, int]:
    return {space_id: 7 for space_id in space_ids}


def settings_fields() -> dict[str, forms.Field]:
    return {"motto": forms.CharField(max_length=60, required=False, label="Motto")}


class ToyKindConfig(AppConfig):
    name = "toykind"
    label = "toykind"

    def ready(self) -> None:
        from townhall.core.registries import SpaceKind, register_space_kind

        register_space_kind(
            SpaceKind(
                key="toy",
                label="Toy corner",
                icon="🧸",
                description="A space kind made by a test.",
                content=content,
                unread=unread,
                settings=settings_fields,
                search_types=("toy-motto",),
            )
        )
