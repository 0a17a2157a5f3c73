"""Open streams follow permissions (house rule 17): every change of what someone may read, made through
the real action, starts or stops the frames of a space on a socket that stays open.

Each test keeps one real socket through the ASGI app, makes the change with the action (a transactional
test: the commit really happens, and with it the broadcasts and the `realtime` listener), then has
someone post in the space and checks whether the frame arrives. "Stops" means: the stream says its
subscriptions changed within a second, and a frame sent after that does not arrive within a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections
from stream_client import Frame, Stream, signed_in

import factories as testing
from townhall.accounts import actions as account_actions
from townhall.community import actions as community_actions
from townhall.community.models import Membership
from townhall.discussions import actions as discussion_actions
from townhall.discussions.models import Topic
from townhall.policy import Guardian
from townhall.realtime.publish import RESUBSCRIBE, space_group, user_group
from townhall.spaces import actions as space_actions
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db(transaction=True)

ARRIVES = 5.0  # a frame that should come: generous, for a loaded machine
WITHIN = 1.0  # the promise: a change reaches the stream, and a lost space falls silent, within a second
CHANGED = {"type": "stream", "op": "subscriptions_changed"}


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any) -> None:
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"


# --- helpers ----------------------------------------------------------------------------------------
def start_topic(author: Any, space: Space) -> Topic:
    return discussion_actions.create_topic(
        Guardian(author), space, title="Tonight's plan", body="Clear skies."
    )


def membership(user: Any) -> Membership:
    return Membership.objects.get(user=user)


async def act(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run an action as a request would (in a worker thread); it commits before this returns."""
    return await sync_to_async(fn)(*args, **kwargs)


async def open_stream(user: Any) -> Stream:
    stream = Stream(await sync_to_async(signed_in)(user))
    connected, code = await stream.connect()
    assert connected, code
    return stream


async def hears(stream: Stream, author: Any, topic: Topic, within: float) -> bool:
    """`author` replies in `topic`; does the stream get that reply's frame within `within` seconds?"""
    post = await act(discussion_actions.create_post, Guardian(author), topic, body="Look up!")
    heard, _ = await stream.frames_until(
        lambda frame: frame.get("type") == "topic" and frame.get("post_id") == post.pk, within
    )
    return heard


async def resubscribed(stream: Stream) -> list[Frame]:
    """Wait (at most a second) for the stream to say that its spaces changed; the frames before it."""
    found, frames = await stream.frames_until(lambda frame: frame == CHANGED, WITHIN)
    assert found, f"the stream did not re-subscribe within {WITHIN}s; it got {frames}"
    return frames


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        try:
            await scenario()
        finally:
            await sync_to_async(connections.close_all)()  # the consumer's thread keeps its connection

    asyncio.run(main())


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    """A community with an owner, an admin, a moderator, a reader (whose stream we watch) and a writer."""
    testing.make_community()
    return {
        "owner": testing.make_member("olivia", role=Membership.OWNER),
        "admin": testing.make_member("adam", role=Membership.ADMIN),
        "moderator": testing.make_member("mona", role=Membership.MODERATOR),
        "reader": testing.make_member("rui"),
        "writer": testing.make_member("lea"),
    }


# --- gaining a space --------------------------------------------------------------------------------
@pytest.mark.parametrize("way", ["approved request", "accepted invitation"])
def test_joining_a_private_space_starts_its_frames(people: dict[str, Any], way: str) -> None:
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, moderators=[writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        assert not await hears(stream, writer, topic, WITHIN)
        if way == "approved request":
            await act(space_actions.request_to_join, Guardian(reader), space)
            await act(space_actions.approve_join_request, Guardian(writer), space, user=reader)
        else:
            await act(space_actions.invite_to_space, Guardian(writer), space, user=reader)
            await act(space_actions.join_space, Guardian(reader), space)
        # The stream may re-compute (for the request, or the invitation) after the approval or the
        # join has committed: it then reads the new state at once. Either way it says so.
        await resubscribed(stream)
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


def test_a_new_space_is_heard_without_reconnecting(people: dict[str, Any]) -> None:
    reader, writer, admin = people["reader"], people["writer"], people["admin"]

    async def scenario() -> None:
        stream = await open_stream(reader)
        space = await act(
            space_actions.create_space, Guardian(admin), name="Comets", visibility=Space.MEMBERS
        )
        await resubscribed(stream)
        topic = await act(start_topic, writer, space)
        assert (await stream.frames_until(lambda f: f.get("topic_id") == topic.pk, ARRIVES))[0]
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


def test_a_deleted_group_opens_its_spaces_to_every_member(people: dict[str, Any]) -> None:
    reader, writer, admin = people["reader"], people["writer"], people["admin"]
    group = testing.make_group("Mentors", members=[writer])
    space = testing.make_space("Mentor room", visibility=Space.MEMBERS, group=group, members=[writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        assert not await hears(stream, writer, topic, WITHIN)
        await act(community_actions.delete_group, Guardian(admin), group)
        await resubscribed(stream)
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


def test_joining_the_community_opens_its_members_spaces(people: dict[str, Any]) -> None:
    writer = people["writer"]
    newcomer = testing.make_user("nina")
    space = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[writer])
    community = testing.make_community()
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(newcomer)
        assert not await hears(stream, writer, topic, WITHIN)
        await act(community_actions.join_community, Guardian(newcomer), community)
        await resubscribed(stream)
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


# --- losing a space ---------------------------------------------------------------------------------
def test_leaving_a_private_space_stops_its_frames(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[reader, writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        assert await hears(stream, writer, topic, ARRIVES)
        await act(space_actions.leave_space, Guardian(reader), space)
        await resubscribed(stream)
        assert not await hears(stream, writer, topic, WITHIN)
        await stream.disconnect()

    run(scenario)


def test_a_request_and_its_denial_never_open_the_space(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, moderators=[writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        await act(space_actions.request_to_join, Guardian(reader), space)
        await act(space_actions.deny_join_request, Guardian(writer), space, user=reader)
        assert not await hears(stream, writer, topic, WITHIN)
        _, frames = await stream.frames_until(lambda frame: False, 0.2)
        assert CHANGED not in frames  # re-computed twice, nothing to change
        await stream.disconnect()

    run(scenario)


def test_leaving_the_community_stops_every_members_space(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    shared = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[reader, writer])
    open_topic, closed_topic = start_topic(writer, shared), start_topic(writer, closed)

    async def scenario() -> None:
        stream = await open_stream(reader)
        assert await hears(stream, writer, open_topic, ARRIVES)
        assert await hears(stream, writer, closed_topic, ARRIVES)
        await act(community_actions.leave_community, Guardian(reader))
        await resubscribed(stream)
        assert not await hears(stream, writer, open_topic, WITHIN)
        assert not await hears(stream, writer, closed_topic, WITHIN)
        await stream.disconnect()

    run(scenario)


def test_a_ban_stops_every_space_but_public_ones(people: dict[str, Any]) -> None:
    reader, writer, moderator = people["reader"], people["writer"], people["moderator"]
    public = testing.make_space("Open sky", visibility=Space.PUBLIC, members=[writer])
    shared = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[reader, writer])
    topics = [start_topic(writer, space) for space in (public, shared, closed)]
    row = membership(reader)

    async def scenario() -> None:
        stream = await open_stream(reader)
        for topic in topics:
            assert await hears(stream, writer, topic, ARRIVES)
        await act(community_actions.ban_member, Guardian(moderator), row, reason="Spam")
        await resubscribed(stream)
        assert await hears(stream, writer, topics[0], ARRIVES)  # public spaces are anyone's
        assert not await hears(stream, writer, topics[1], WITHIN)
        assert not await hears(stream, writer, topics[2], WITHIN)
        await stream.disconnect()

    run(scenario)


def test_a_space_turned_private_falls_silent_for_non_members_only(people: dict[str, Any]) -> None:
    reader, writer, admin = people["reader"], people["writer"], people["admin"]
    insider = testing.make_member("ines")
    space = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[writer, insider])
    topic = start_topic(writer, space)

    def set_visibility(visibility: str) -> Space:
        return space_actions.update_space(
            Guardian(admin),
            space,
            name=space.name,
            description=space.description,
            icon=space.icon,
            visibility=visibility,
            posting=space.posting,
            group=None,
            section=None,
        )

    async def scenario() -> None:
        stream, inside = await open_stream(reader), await open_stream(insider)
        assert await hears(stream, writer, topic, ARRIVES)
        await act(set_visibility, Space.PRIVATE)
        await resubscribed(stream)
        assert not await hears(stream, writer, topic, WITHIN)
        assert await hears(inside, writer, topic, ARRIVES)  # a member of the space keeps hearing it
        _, frames = await inside.frames_until(lambda frame: False, 0.2)
        assert CHANGED not in frames
        await act(set_visibility, Space.MEMBERS)  # and back: they hear it again
        await resubscribed(stream)
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()
        await inside.disconnect()

    run(scenario)


def test_removal_from_the_group_of_a_group_space_stops_its_frames(people: dict[str, Any]) -> None:
    reader, writer, admin = people["reader"], people["writer"], people["admin"]
    group = testing.make_group("Mentors", members=[reader, writer])
    space = testing.make_space("Mentor room", visibility=Space.MEMBERS, group=group, members=[writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        assert await hears(stream, writer, topic, ARRIVES)
        await act(community_actions.remove_group_member, Guardian(admin), group, user=reader)
        await resubscribed(stream)
        assert not await hears(stream, writer, topic, WITHIN)
        await act(community_actions.add_group_member, Guardian(admin), group, user=reader)
        await resubscribed(stream)
        assert await hears(stream, writer, topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


def test_a_demotion_that_loses_access_stops_its_frames(people: dict[str, Any]) -> None:
    moderator, writer, owner = people["moderator"], people["writer"], people["owner"]
    # Community moderators read private spaces they are not in; plain members do not.
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic = start_topic(writer, space)
    row = membership(moderator)

    async def scenario() -> None:
        stream = await open_stream(moderator)
        assert await hears(stream, writer, topic, ARRIVES)
        await act(community_actions.set_member_role, Guardian(owner), row, role=Membership.MEMBER)
        await resubscribed(stream)
        assert not await hears(stream, writer, topic, WITHIN)
        await stream.disconnect()

    run(scenario)


# --- suspension: exactly what the Guardian says --------------------------------------------------------
def test_a_suspended_member_keeps_hearing_what_they_still_read(people: dict[str, Any]) -> None:
    """The Guardian lets suspended members read like members (`can_read_as_member`): members spaces and
    the private spaces they are in. Their stream keeps all of it."""
    reader, writer, moderator = people["reader"], people["writer"], people["moderator"]
    shared = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[writer])
    closed = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[reader, writer])
    topics = [start_topic(writer, shared), start_topic(writer, closed)]
    row = membership(reader)

    async def scenario() -> None:
        stream = await open_stream(reader)
        await act(community_actions.suspend_member, Guardian(moderator), row, reason="Cool off")
        # The control message is queued before the reply's frame and handled first; the frame is only
        # passed on if the re-computed groups still hold the space.
        for topic in topics:
            assert await hears(stream, writer, topic, ARRIVES)
        _, frames = await stream.frames_until(lambda frame: False, 0.2)
        assert CHANGED not in frames
        await stream.disconnect()

    run(scenario)


def test_a_suspended_moderator_reads_as_a_member_until_restored(people: dict[str, Any]) -> None:
    """A suspension also suspends the role: the Guardian ranks suspended people 0, so a community
    moderator loses the private spaces they were reading as a moderator (not the ones they are in)."""
    moderator, writer, admin = people["moderator"], people["writer"], people["admin"]
    outside = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    inside = testing.make_space("Mods' corner", visibility=Space.PRIVATE, members=[moderator, writer])
    outside_topic, inside_topic = start_topic(writer, outside), start_topic(writer, inside)
    row = membership(moderator)

    async def scenario() -> None:
        stream = await open_stream(moderator)
        assert await hears(stream, writer, outside_topic, ARRIVES)
        await act(community_actions.suspend_member, Guardian(admin), row)
        await resubscribed(stream)
        assert not await hears(stream, writer, outside_topic, WITHIN)
        assert await hears(stream, writer, inside_topic, ARRIVES)
        await act(community_actions.restore_member, Guardian(admin), row)
        await resubscribed(stream)
        assert await hears(stream, writer, outside_topic, ARRIVES)
        await stream.disconnect()

    run(scenario)


# --- the account, and what the control message may not do ---------------------------------------------
def test_deleting_the_account_closes_its_streams(people: dict[str, Any]) -> None:
    reader = people["reader"]

    async def scenario() -> None:
        stream, second = await open_stream(reader), await open_stream(reader)
        await act(account_actions.delete_account, Guardian(reader), reader, password=testing.PASSWORD)
        assert await stream.wait_closed(WITHIN) == 4401
        assert await second.wait_closed(WITHIN) == 4401
        await stream.wait(1)
        await second.wait(1)

    run(scenario)


def test_a_forged_control_message_grants_nothing(people: dict[str, Any]) -> None:
    reader, writer = people["reader"], people["writer"]
    space = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[writer])
    topic = start_topic(writer, space)

    async def scenario() -> None:
        stream = await open_stream(reader)
        forged = {"type": RESUBSCRIBE, "groups": [space_group(space.pk)], "space_ids": [space.pk]}
        await get_channel_layer().group_send(user_group(reader.pk), forged)
        assert not await hears(stream, writer, topic, WITHIN)
        await stream.disconnect()

    run(scenario)
