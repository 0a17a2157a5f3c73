"""robots.txt: crawlers may read what a visitor may, never private paths, and nothing of a private community."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

import factories as testing

pytestmark = pytest.mark.django_db


def _rules(client: Client) -> list[str]:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode().splitlines()


def test_a_public_community_allows_its_public_pages_and_points_to_the_sitemap(client: Client) -> None:
    testing.make_community(landing_public=True)
    rules = _rules(client)
    assert rules[0] == "User-agent: *"
    assert "Allow: /" in rules and "Disallow: /" not in rules
    for private in ("/api/", "/accounts/", "/settings/", "/media/", "/uploads/", "/django-admin/"):
        assert f"Disallow: {private}" in rules
    assert "Sitemap: http://testserver/sitemap.xml" in rules


def test_a_private_community_disallows_everything(client: Client) -> None:
    testing.make_community(landing_public=False)
    rules = [line for line in _rules(client) if line]
    assert rules == ["User-agent: *", "Disallow: /"]


def test_robots_does_not_depend_on_who_asks(client_for: Any) -> None:
    testing.make_community(landing_public=False)
    member = testing.make_member("max")
    assert "Disallow: /" in _rules(client_for(member))  # a member's session does not open it to crawlers
