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


def motto_documents(ids: list[int]) -> list[Any]:
    """A toy space's motto is searchable by whoever may read the space."""
    from townhall.core.registries import Document
    from townhall.spaces.models import Space

    return [
        Document(
            object_id=space.pk,
            space_id=space.pk,
            title=space.name,
            body=space.kind_settings.get("motto", ""),
            author_id=space.created_by_id,
            created_at=space.created_at,
        )
        for space in Space.objects.filter(pk__in=ids, kind="toy", archived_at__isnull=True)
    ]


def load_spaces(ids: list[int]) -> dict[int, Any]:
    from townhall.spaces.models import Space

    return Space.objects.in_bulk(ids)


def settings_fields() -> dict[str, forms.Field]:
    return {"motto": forms.CharField(max_length=60, required=False, label="Motto")}


class ToyKindConfig(AppConfig):
    name = "toykind"
    label = "toykind"

    def ready(self) -> None:
        from townhall.core.registries import SearchType, SpaceKind, register_search_type, register_space_kind
        from townhall.spaces.events import SpaceChanged, SpaceCreated
        from townhall.spaces.models import Space

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
        register_search_type(
            SearchType(
                key="toy-motto",
                label="Toy mottos",
                model="spaces.space",
                documents=motto_documents,
                all_ids=lambda: [list(Space.objects.filter(kind="toy").values_list("pk", flat=True))],
                load=load_spaces,
                hit_template="toykind/hit.html",
                title=lambda space: space.name,
                api_fields=lambda space: {"url": f"/s/{space.slug}/", "space": space.slug, "author": None},
                refresh_on={SpaceCreated: lambda e: [e.space_id], SpaceChanged: lambda e: [e.space_id]},
            )
        )
