"""A new kind of space needs only its own app: the toy kind (tests/toykind) registers itself in ready(),
and spaces, the sidebar, the create form and the space page take it up without a line changed elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

import factories as testing
from townhall.core.registries import search_types, space_kinds
from townhall.policy import Guardian
from townhall.spaces import actions
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_installed(settings: Any) -> Iterator[None]:
    settings.INSTALLED_APPS = [*django_settings.INSTALLED_APPS, "toykind"]
    assert "toy" in space_kinds
    yield
    space_kinds.unregister("toy")
    search_types.unregister("toy-motto")


def test_the_create_form_offers_the_new_kind_with_its_settings(
    toy_installed: None, client_for: Any, admin: Any
) -> None:
    html = client_for(admin).get("/spaces/new/").content.decode()
    assert "What kind of space" in html and "Toy corner" in html and "Discussions" in html
    assert 'name="toy__motto"' in html


def test_a_space_of_the_new_kind_is_made_shown_and_counted(
    toy_installed: None, client_for: Any, admin: Any, member: Any
) -> None:
    response = client_for(admin).post(
        "/spaces/new/",
        {
            "kind": "toy",
            "name": "Toy box",
            "visibility": "members",
            "posting": "everyone",
            "toy__motto": "Play!",
        },
    )
    assert response.status_code == 302
    space = Space.objects.get(slug="toy-box")
    assert (space.kind, space.kind_settings) == ("toy", {"motto": "Play!"})
    actions.join_space(Guardian(member), space)

    page = client_for(member).get("/s/toy-box/").content.decode()
    assert '<p class="toy-motto">Play!</p>' in page
    assert "Discussions" not in page  # the discussion part belongs to discussion spaces only
    sidebar = page[page.index('aria-label="Your spaces"') :]
    assert "Toy box" in sidebar and '<span class="unread-count">7' in sidebar  # the kind's own counter

    found = client_for(member).get("/search/", {"q": "play"}).content.decode()
    assert '<span class="toy-hit">🧸 Toy box: <mark>Play</mark>' in found  # engines differ on the "!"
    api = client_for(member).get("/api/v1/search", {"q": "play", "type": "toy-motto"}).json()
    assert [hit["url"] for hit in api["hits"]] == ["/s/toy-box/"]
    assert client_for(None).get("/api/v1/search", {"q": "play"}).json()["hits"] == []  # members-only


def test_settings_of_another_kind_are_refused(toy_installed: None, admin: Any) -> None:
    from townhall.core.errors import Invalid

    with pytest.raises(Invalid, match="no setting called"):
        actions.create_space(Guardian(admin), name="Odd", kind="discussion", kind_settings={"motto": "x"})
    with pytest.raises(Invalid, match="Kind must be one of"):
        actions.create_space(Guardian(admin), name="Odd", kind="poetry")
    with pytest.raises(Invalid, match="at most 60"):
        actions.create_space(Guardian(admin), name="Odd", kind="toy", kind_settings={"motto": "x" * 61})


def test_a_space_whose_kind_left_still_shows_its_header(client_for: Any, member: Any) -> None:
    """A kind whose app was removed: the space keeps its page (name, members), without content."""
    testing.make_space("Relic", kind="toy", visibility=Space.PUBLIC, members=[member])
    response = client_for(member).get("/s/relic/")
    assert response.status_code == 200
    assert "Relic" in response.content.decode()
