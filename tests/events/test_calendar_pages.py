"""The calendar pages (upcoming list, month grid, week list, past) for each persona: what is listed,
what is hidden, time zones, filters and bad parameters."""

from __future__ import annotations

from typing import Any

import pytest
from events_testing import make_event

pytestmark = pytest.mark.django_db


def test_smoke(client_for: Any, member: Any, calendar: Any, space_moderator: Any) -> None:
    make_event(space_moderator, calendar, title="Star party")
    c = client_for(member)
    for url in [
        "/events/",
        "/events/month/",
        "/events/week/",
        "/events/past/",
        "/events/mine/",
        f"/events/space/{calendar.slug}/",
        f"/s/{calendar.slug}/",
        "/home/",
    ]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    body = c.get("/events/month/?month=2026-13").content.decode()
    assert "not a month" in body
