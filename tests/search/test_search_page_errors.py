"""A search that is too long (issue 12, defect 9) keeps the page's headings and says what happened,
beside the field and where the results would be; never a blank page or a 500."""

from __future__ import annotations

import html
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["member", None])
def test_a_500_character_search_shows_its_heading_and_a_clear_message(
    client_for: Any, request: pytest.FixtureRequest, community: Any, persona: str | None
) -> None:
    words = ("andromeda " * 50)[:499] + "!"  # 500 characters, none of them trimmed
    c = client_for(request.getfixturevalue(persona) if persona else None)
    response = c.get("/search/", {"q": words})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "<h1>Search</h1>" in page
    assert '<h2 id="results-heading">Results for “andromeda andromeda' in page
    assert "Nothing was searched: a search can be at most 200 characters long." in page
    assert "Searches are at most 200 characters long (this one has 500)" in page  # beside the field
    assert (
        'id="id_q" value="andromeda' in page and 'aria-invalid="true" aria-describedby="id_q_error"' in page
    )


def test_a_search_of_the_longest_allowed_length_still_runs(client_for: Any, member: Any) -> None:
    response = client_for(member).get("/search/", {"q": "x" * 200})
    assert response.status_code == 200 and "Nothing was searched" not in response.content.decode()
