"""The member's stream (/ws/stream/) through the real ASGI app: who may connect, and which broadcasts arrive."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from stream_client import Stream
from stream_client import signed_in as _signed_in

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.realtime.models import LoggedBroadcast
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitors_are_turned_away() -> None:
    async def scenario() -> tuple[bool, Any]:
        stream = Stream(None)
        connected, code = await stream.connect()
        await stream.disconnect()
        return connected, code

    connected, code = asyncio.run(scenario())
    assert not connected and code == 4401


def test_a_member_hears_about_topics_in_spaces_they_read_and_nothing_else() -> None:
    testing.make_community()
    reader = testing.make_member("rui")
    writer = testing.make_member("lea")
    shared = testing.make_space("Gear talk", members=[reader, writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic = actions.create_topic(Guardian(writer), shared, title="Dew shields", body="Any tips?")
    secret = actions.create_topic(Guardian(writer), closed, title="Plans", body="Not for everyone.")

    session_key = _signed_in(reader)

    async def scenario() -> tuple[Any, int]:
        stream = Stream(session_key)
        connected, _ = await stream.connect()
        assert connected
        await sync_to_async(actions.create_post)(Guardian(writer), secret, body="Still secret.")
        post = await sync_to_async(actions.create_post)(Guardian(writer), topic, body="A heater strip.")
        frame = await stream.receive_json_from(timeout=5)  # the private space's reply never comes first
        assert await stream.receive_nothing(timeout=0.3)
        await stream.disconnect()
        await sync_to_async(connections.close_all)()  # the consumer's thread keeps its connection otherwise
        return frame, post.pk

    frame, post_id = asyncio.run(scenario())
    logged = LoggedBroadcast.objects.get(payload__post_id=post_id, payload__op="post_created")
    assert logged.groups == [f"space.{shared.pk}"]
    assert frame == {
        "type": "topic",
        "op": "post_created",
        "topic_id": topic.pk,
        "post_id": post_id,
        "seq": logged.pk,
    }
