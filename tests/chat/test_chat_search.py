"""Chat messages are found by the shared search, under the same visibility filtering."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import chat_space

from townhall.chat import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_a_member_finds_a_message_and_an_outsider_does_not(
    client_for: Any, member: Any, newcomer: Any, outsider: Any
) -> None:
    private = chat_space("Backroom", visibility=Space.PRIVATE, members=[member])
    actions.send_message(Guardian(member), private, body="The nebula filter arrived")
    hits = client_for(member).get("/api/v1/search", {"q": "nebula", "type": "chat-message"}).json()["hits"]
    assert len(hits) == 1 and hits[0]["space"] == "backroom" and hits[0]["url"].startswith("/chat/m/")
    page = client_for(member).get("/search/", {"q": "nebula"}).content.decode()
    assert "Chat in Backroom" in page and "<mark>nebula</mark>" in page
    for person in (newcomer, outsider, None):
        assert client_for(person).get("/api/v1/search", {"q": "nebula"}).json()["hits"] == []


def test_deleted_messages_leave_the_index_and_come_back(
    client_for: Any, member: Any, space_moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Andromeda tonight")
    message = actions.delete_message(Guardian(member), message)
    c = client_for(member)
    assert c.get("/api/v1/search", {"q": "andromeda"}).json()["hits"] == []
    message = actions.restore_message(Guardian(space_moderator), message)
    actions.edit_message(Guardian(member), message, body="Andromeda tomorrow")
    hits = c.get("/api/v1/search", {"q": "tomorrow"}).json()["hits"]
    assert [h["message_id"] for h in hits] == [message.pk]


def test_the_type_filter_separates_chat_from_discussions(client_for: Any, member: Any, lounge: Space) -> None:
    actions.send_message(Guardian(member), lounge, body="comet sighting")
    c = client_for(member)
    assert c.get("/api/v1/search", {"q": "comet", "type": "post"}).json()["hits"] == []
    assert len(c.get("/api/v1/search", {"q": "comet", "type": "chat-message"}).json()["hits"]) == 1
