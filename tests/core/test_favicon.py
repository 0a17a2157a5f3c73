"""Every page names an icon, and /favicon.ico answers instead of a 404 on every first visit."""

from __future__ import annotations

import re

import pytest
from django.test import Client

import factories as testing

pytestmark = pytest.mark.django_db


def test_pages_link_the_svg_icon_and_it_is_served(client: Client) -> None:
    testing.make_community(landing_public=True)
    page = client.get("/").content.decode()
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link is not None
    icon = client.get(link.group(1))
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content  # type: ignore[attr-defined]
    assert body.lstrip().startswith(b"<svg")


def test_favicon_ico_redirects_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("townhall/favicon.svg")
    assert "max-age" in response["Cache-Control"]


def test_the_error_page_for_a_server_error_is_styled_and_needs_no_database(rf: object) -> None:
    from townhall.core.views import server_error

    response = server_error(None)  # type: ignore[arg-type]  # no request context at all
    html = response.content.decode()
    assert response.status_code == 500
    assert 'lang="en"' in html and "townhall/townhall.css" in html and "Something went wrong" in html
