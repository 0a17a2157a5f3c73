"""The search page: parse the form, search, render each hit with its type's template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from townhall.core.registries import search_types
from townhall.policy.request import guardian_of
from townhall.search import queries
from townhall.search.forms import SearchForm
from townhall.search.queries import MAX_QUERY_CHARS


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    """Search everything the visitor may read; invalid filters are shown on the form, never a 500."""
    guardian = guardian_of(request)
    form = SearchForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        filters = queries.resolve_filters(
            guardian,
            space=data["space"],
            author=data["author"],
            type=data["type"],
            after=queries.day_bound(data["after"]),
            before=queries.day_bound(data["before"], end=True),
            **form.by_type(),
        )
        if filters is None:
            results = queries.Results(query=data["q"])
        else:
            results = queries.search(guardian, data["q"], filters=filters, page=data["page"] or 1)
    if form.errors.get("q"):
        # The words themselves were refused (too long): say so where the results would be.
        asked = Truncator(request.GET.get("q", "")).chars(60)
        message = f"Nothing was searched: a search can be at most {MAX_QUERY_CHARS} characters long."
        results = queries.Results(query=asked, message=message)
    next_url = None
    if results is not None and results.has_next:
        params = request.GET.copy()
        params["page"] = str(results.page + 1)
        next_url = f"{reverse('search:search')}?{params.urlencode()}"
    stylesheets = list(dict.fromkeys(sheet for t in search_types for sheet in t.stylesheets))
    return render(
        request,
        "search/search.html",
        {"form": form, "results": results, "next_url": next_url, "stylesheets": stylesheets},
    )
