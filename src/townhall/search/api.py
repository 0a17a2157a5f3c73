"""/api/v1/search: the same search as the page, JSON out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from ninja import Query, Router

from townhall.core.api import API_ERRORS, invalid_from_form
from townhall.core.errors import Invalid
from townhall.core.registries import search_types
from townhall.policy.request import guardian_of
from townhall.search import queries
from townhall.search.forms import type_filter_fields
from townhall.search.schemas import SearchOut, SearchParams

router = Router(tags=["search"])


def _openapi_schema(form_field: forms.Field) -> dict[str, Any]:
    """How a type filter's form field reads in the OpenAPI description."""
    if isinstance(form_field, forms.IntegerField):
        schema: dict[str, Any] = {"type": "integer"}
        if form_field.min_value is not None:
            schema["minimum"] = form_field.min_value
        if form_field.max_value is not None:
            schema["maximum"] = form_field.max_value
        return schema
    if isinstance(form_field, forms.NullBooleanField | forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(form_field, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(form_field.choices)  # type: ignore[arg-type]
        return {"type": "string", "enum": [str(value) for value, _ in choices if value != ""]}
    if isinstance(form_field, forms.CharField) and form_field.max_length is not None:
        return {"type": "string", "maxLength": form_field.max_length}
    return {"type": "string"}


def _type_filter_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"{form_field.label or name} (understood by some result types only)",
            "schema": _openapi_schema(form_field),
        }
        for name, form_field in type_filter_fields().items()
    ]


def _type_filters(request: HttpRequest) -> dict[str, Any]:
    """The types' own filters from the query string, parsed by the same fields as the page's form."""
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, form_field in type_filter_fields().items():
        raw = request.GET.get(name)
        if raw in (None, ""):
            continue
        try:
            values[name] = form_field.clean(raw)
        except forms.ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise invalid_from_form(errors)
    return values


@router.get(
    "/search",
    response={200: SearchOut, **API_ERRORS},
    summary="Search what you may read",
    openapi_extra={"parameters": _type_filter_parameters()},
)
def search_everything(request: HttpRequest, params: Query[SearchParams]) -> Any:
    """Full-text search, relevance mixed with recency; filters by type, space, author and date
    (after/before, inclusive days), and by each type's own filters (for posts: tag, kind, solved,
    topic). Snippets mark matches with <mark>. A search stopped by the time limit answers no hits and
    a `message`."""
    g = guardian_of(request)
    if params.type and params.type not in search_types:
        msg = f"Unknown type; choose one of: {', '.join(search_types.keys())}."
        raise Invalid(msg, field_errors={"type": [msg]})
    filters = queries.resolve_filters(
        g,
        space=params.space,
        author=params.author,
        type=params.type,
        after=queries.day_bound(params.after),
        before=queries.day_bound(params.before, end=True),
        **_type_filters(request),
    )
    if filters is None:
        return {"query": params.q, "page": params.page, "has_next": False, "hits": []}
    results = queries.search(g, params.q, filters=filters, page=params.page)
    return {
        "query": results.query,
        "page": results.page,
        "has_next": results.has_next,
        "message": results.message,
        "hits": [
            {
                **search_types[hit.type].api_fields(hit.object),
                "type": hit.type,
                "title_html": hit.title_html,
                "snippet_html": hit.snippet_html,
                "created_at": hit.created_at,
                "score": hit.score,
            }
            for hit in results.hits
        ],
    }
