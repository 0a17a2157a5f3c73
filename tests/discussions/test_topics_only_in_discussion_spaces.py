"""Topics are started in discussion spaces only: a chat channel or a direct conversation holds messages,
and asking for a topic there (the action, the page, the API) is refused with a reason."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.chat import actions as chat_actions
from townhall.core.errors import PermissionDenied
from townhall.discussions import actions
from townhall.discussions.models import Topic
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db
REASON = "Topics are started in discussion spaces; this space holds other things."


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    testing.make_community()
    return {"ana": testing.make_member("ana"), "ben": testing.make_member("ben")}


def test_no_topic_in_a_chat_channel_or_a_conversation(people: dict[str, Any]) -> None:
    ana, ben = people["ana"], people["ben"]
    channel = testing.make_space("Night owls", kind="chat", members=[ana, ben])
    conversation = chat_actions.start_conversation(Guardian(ana), people=[ben])
    for space in (channel, conversation):
        with pytest.raises(PermissionDenied) as refused:
            actions.create_topic(Guardian(ana), space, title="Dew shields", body="Any tips?")
        assert refused.value.reason == REASON
    assert not Topic.objects.exists()
    discussion = testing.make_space("Gear talk", members=[ana])
    assert actions.create_topic(Guardian(ana), discussion, title="Dew shields", body="Any tips?").pk


def test_the_page_and_the_api_refuse_too(people: dict[str, Any], client: Any) -> None:
    ana = people["ana"]
    channel = testing.make_space("Night owls", kind="chat", members=[ana])
    client.force_login(ana)
    page = client.post(f"/s/{channel.slug}/new/", {"title": "Dew shields", "body": "Any tips?"})
    assert page.status_code == 403
    api = client.post(
        "/api/v1/topics",
        {"space": channel.slug, "title": "Dew shields", "body": "Any tips?"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["message"] == REASON
    assert not Topic.objects.exists()
