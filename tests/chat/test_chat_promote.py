"""Promote to topic: a message and its thread become a discussion topic with authors and times kept,
the thread closes and the channel links to the topic; each refusal with its reason; the page and API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.chat import actions, events
from townhall.chat.models import Message
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.discussions.models import Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def forum(community: Any) -> Space:
    """A discussions space every member may post in."""
    return testing.make_space("Imaging", kind="discussion")


@pytest.fixture
def root(member: Any, newcomer: Any, lounge: Space) -> Message:
    root = actions.send_message(Guardian(member), lounge, body="How long should darks be?")
    actions.reply_in_thread(Guardian(newcomer), root, body="Same as your lights")
    gone = actions.reply_in_thread(Guardian(member), root, body="Withdrawn")
    actions.delete_message(Guardian(member), Message.objects.select_related("space").get(pk=gone.pk))
    actions.reply_in_thread(Guardian(member), root, body="And the same temperature")
    return Message.objects.select_related("space", "author").get(pk=root.pk)


def test_promoting_keeps_authors_and_times_and_closes_the_thread(
    member: Any, newcomer: Any, lounge: Space, forum: Space, root: Message, emitted: list[Any],
    broadcasts: list[Any], committed: Any,
) -> None:  # fmt: skip
    with committed():
        topic = actions.promote_thread(Guardian(member), root, to_space=forum, title="  Darks:  how long? ")
    assert (topic.title, topic.space_id) == ("Darks: how long?", forum.pk)
    posts = list(Post.objects.filter(topic=topic).order_by("position"))
    replies = list(Message.objects.filter(thread_root=root, deleted_at__isnull=True).order_by("id"))
    assert [(p.author_id, p.body, p.created_at) for p in posts] == [
        (member.pk, "How long should darks be?", root.created_at),
        *[(r.author_id, r.body, r.created_at) for r in replies],
    ]
    assert "Withdrawn" not in [p.body for p in posts]  # deleted replies stay behind
    root.refresh_from_db()
    assert root.promoted_to_id == topic.pk and root.promoted_at is not None
    row = Activity.objects.get(verb="message.promoted")
    assert (row.actor_id, row.target_id, row.data) == (
        member.pk,
        root.pk,
        {"topic_id": topic.pk, "replies": 2},
    )
    assert emitted[-1] == events.ThreadPromoted(
        root_id=root.pk, space_id=lounge.pk, topic_id=topic.pk, actor_id=member.pk
    )
    assert broadcasts[-1] == (
        [f"space.{lounge.pk}"],
        {"type": "chat", "op": "message_promoted", "space_id": lounge.pk, "message_id": root.pk},
    )
    with pytest.raises(PermissionDenied, match="moved to a discussion topic"):
        actions.reply_in_thread(Guardian(newcomer), root, body="Late reply")


def test_moderators_promote_anyones_thread(space_moderator: Any, forum: Space, root: Message) -> None:
    topic = actions.promote_thread(Guardian(space_moderator), root, to_space=forum, title="Darks")
    assert Topic.objects.get(pk=topic.pk).posts.count() == 3


def test_refusals_say_why(
    member: Any, newcomer: Any, outsider: Any, space_moderator: Any, forum: Space, root: Message
) -> None:
    with pytest.raises(PermissionDenied, match="Only the message's author or this space's moderators"):
        actions.promote_thread(Guardian(newcomer), root, to_space=forum, title="Darks")
    with pytest.raises(NotFound):
        actions.promote_thread(Guardian(outsider), root, to_space=forum, title="Darks")
    mods_only = testing.make_space("Announcements", kind="discussion", posting=Space.MODERATORS)
    with pytest.raises(PermissionDenied, match="Only moderators post in this space"):
        actions.promote_thread(Guardian(member), root, to_space=mods_only, title="Darks")
    with pytest.raises(Invalid, match="Pick a discussions space"):
        actions.promote_thread(Guardian(member), root, to_space=root.space, title="Darks")
    with pytest.raises(Invalid, match="Give your topic a title"):
        actions.promote_thread(Guardian(member), root, to_space=forum, title="  ")
    actions.promote_thread(Guardian(member), root, to_space=forum, title="Darks")
    with pytest.raises(PermissionDenied, match="already been moved"):
        actions.promote_thread(Guardian(space_moderator), root, to_space=forum, title="Again")
    assert Topic.objects.count() == 1


def test_a_deleted_message_is_not_promoted(member: Any, forum: Space, root: Message) -> None:
    deleted = actions.delete_message(Guardian(member), root)
    with pytest.raises(PermissionDenied, match="A deleted message cannot be moved"):
        actions.promote_thread(Guardian(member), deleted, to_space=forum, title="Darks")


def test_a_message_without_replies_becomes_a_topic_of_its_own(
    member: Any, lounge: Space, forum: Space
) -> None:
    lone = actions.send_message(Guardian(member), lounge, body="Polar alignment tip: use the app")
    topic = actions.promote_thread(Guardian(member), lone, to_space=forum, title="Polar alignment")
    assert topic.posts.count() == 1


def test_the_channel_shows_the_topic_in_place_of_the_thread(
    client_for: Any, member: Any, newcomer: Any, forum: Space, root: Message
) -> None:
    topic = actions.promote_thread(Guardian(member), root, to_space=forum, title="Darks <b>guide</b>")
    html = client_for(newcomer).get("/s/lounge/").content.decode()
    assert f'Moved to topic: <a href="{topic.get_absolute_url()}">Darks &lt;b&gt;guide&lt;/b&gt;</a>' in html
    assert "3 replies" not in html
    thread = client_for(newcomer).get(f"/s/lounge/chat/thread/{root.pk}/").content.decode()
    assert "This thread moved to a discussion topic" in thread and 'id="thread-compose"' not in thread


def test_the_promote_page_offers_spaces_and_moves_the_thread(
    client_for: Any, member: Any, newcomer: Any, forum: Space, root: Message
) -> None:
    url = f"/s/lounge/chat/thread/{root.pk}/promote/"
    c = client_for(member)
    html = c.get(url).content.decode()
    assert f'<option value="{forum.pk}"' in html and 'value="How long should darks be?"' in html
    refused = c.post(url, {"space": forum.pk, "title": ""}, **HTMX)
    assert refused.status_code == 422 and "required" in refused.content.decode()
    assert c.post(url, {"space": 999999, "title": "Darks"}).status_code == 400  # not a choice
    done = c.post(url, {"space": forum.pk, "title": "Darks"})
    topic = Topic.objects.get()
    assert done.status_code == 302 and done["Location"] == topic.get_absolute_url()
    assert client_for(newcomer).get(url).status_code == 403
    assert c.get(url).status_code == 403  # already moved


def test_the_promote_page_says_when_there_is_nowhere_to_move(
    client_for: Any, member: Any, root: Message
) -> None:
    html = client_for(member).get(f"/s/lounge/chat/thread/{root.pk}/promote/").content.decode()
    assert "There is no discussions space where you may start a topic" in html


def test_move_to_topic_shows_for_the_author_and_moderators_only(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, root: Message
) -> None:
    assert "Move to topic" in client_for(member).get("/s/lounge/").content.decode()
    assert "Move to topic" in client_for(space_moderator).get("/s/lounge/").content.decode()
    assert "Move to topic" not in client_for(newcomer).get("/s/lounge/").content.decode()


def test_times_are_kept_for_old_threads(member: Any, newcomer: Any, lounge: Space, forum: Space) -> None:
    root = actions.send_message(Guardian(member), lounge, body="Old question")
    Message.objects.filter(pk=root.pk).update(created_at=root.created_at - timedelta(days=3))
    root = Message.objects.select_related("space").get(pk=root.pk)
    actions.reply_in_thread(Guardian(newcomer), root, body="New answer")
    topic = actions.promote_thread(Guardian(member), root, to_space=forum, title="Old question")
    assert topic.posts.order_by("position").first().created_at == root.created_at  # type: ignore[union-attr]


def test_a_former_members_message_is_promoted_without_an_author(
    member: Any, space_moderator: Any, lounge: Space, forum: Space
) -> None:
    root = actions.send_message(Guardian(member), lounge, body="From someone who left")
    Message.objects.filter(pk=root.pk).update(author=None)
    root = Message.objects.select_related("space", "author").get(pk=root.pk)
    topic = actions.promote_thread(Guardian(space_moderator), root, to_space=forum, title="Kept")
    assert topic.posts.get().author_id is None
