"""A session that ends takes its open streams with it, through the real ASGI app: signing out closes the
streams of that session within a second (and only those), and a password change closes the streams of
the person's other sessions."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import Client
from django.urls import reverse
from stream_client import Stream

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "clear-skies-2025"


def signed_in_client(user: Any) -> tuple[Client, str]:
    client = Client()
    assert client.login(username=user.email, password=PASSWORD) or client.force_login(user) is None
    return client, str(client.cookies["sessionid"].value)


async def closed_within(stream: Stream, seconds: float) -> int | None:
    """The close code, if the stream closed within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            output = await stream.receive_output(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            return None
        if output["type"] == "websocket.close":
            return int(output.get("code", 1000))
    return None


@pytest.fixture
def setting(db: None) -> dict[str, Any]:
    testing.make_community()
    member = testing.make_member("rui")
    member.set_password(PASSWORD)
    member.save()
    writer = testing.make_member("lea")
    space = testing.make_space("Gear talk", members=[member, writer])
    topic = actions.create_topic(Guardian(writer), space, title="Dew shields", body="Any tips?")
    return {"member": member, "writer": writer, "topic": topic}


def test_signing_out_closes_that_sessions_streams_at_once_and_no_other(setting: dict[str, Any]) -> None:
    member, writer, topic = setting["member"], setting["writer"], setting["topic"]
    laptop, laptop_key = signed_in_client(member)
    _phone, phone_key = signed_in_client(member)

    async def scenario() -> tuple[int | None, dict[str, Any]]:
        on_laptop, on_phone = Stream(laptop_key), Stream(phone_key)
        assert (await on_laptop.connect())[0] and (await on_phone.connect())[0]
        response = await sync_to_async(laptop.post)(reverse("account_logout"))
        assert response.status_code == 302
        code = await closed_within(on_laptop, 1.0)
        post = await sync_to_async(actions.create_post)(Guardian(writer), topic, body="A heater strip.")
        frame: dict[str, Any] = await on_phone.receive_json_from(timeout=5)  # the other session hears on
        assert frame["post_id"] == post.pk
        await on_phone.disconnect()
        await sync_to_async(connections.close_all)()
        return code, frame

    code, _ = asyncio.run(scenario())
    assert code == 4401


def test_a_password_change_closes_the_streams_of_the_other_sessions(setting: dict[str, Any]) -> None:
    """The page that changed the password loads afresh with a new session key (Django cycles it), so its
    own stream is replaced too; the other sessions are signed out and their streams close."""
    member = setting["member"]
    laptop, laptop_key = signed_in_client(member)
    _phone, phone_key = signed_in_client(member)

    async def scenario() -> tuple[int | None, bool]:
        on_laptop, on_phone = Stream(laptop_key), Stream(phone_key)
        assert (await on_laptop.connect())[0] and (await on_phone.connect())[0]
        response = await sync_to_async(laptop.post)(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": "dark-skies-2026!", "password2": "dark-skies-2026!"},
        )
        assert response.status_code == 302
        phone_code = await closed_within(on_phone, 1.0)
        again = Stream(str(laptop.cookies["sessionid"].value))  # the laptop's next page
        reopened, _ = await again.connect()
        await again.disconnect()
        await sync_to_async(connections.close_all)()
        return phone_code, reopened

    phone_code, reopened = asyncio.run(scenario())
    assert phone_code == 4401
    assert reopened
