"""Every discussions action: what it writes, and each way it refuses."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.core.errors import Invalid, NotFound, PermissionDenied, RateLimited
from townhall.discussions import actions
from townhall.discussions.actions import posts as post_actions
from townhall.discussions.models import (
    Draft,
    Post,
    PostRevision,
    Reaction,
    SpaceFollow,
    Topic,
    TopicFollow,
    TopicRead,
)
from townhall.policy import Guardian
from townhall.realtime.publish import space_group
from townhall.spaces.models import Space

from .conftest import fresh, reply, start_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    from townhall.spaces.models import SpaceMembership

    SpaceMembership.objects.create(space=space, user=user)
    return user


# --- create_topic --------------------------------------------------------------------------------
def test_create_topic_writes_opening_post_tags_follow_activity_and_broadcast(
    member: Any, space: Space, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        topic = start_topic(member, space, tags="Lenses, night sky, lenses", kind=Topic.QUESTION)
    topic = fresh(topic)
    assert topic.slug == "which-lens-for-the-milky-way"
    assert topic.post_count == 1 and topic.last_position == 1
    opening = Post.objects.get(topic=topic)
    assert opening.position == 1 and opening.depth == 0
    assert "<p>I want a wide" in opening.body_html
    assert sorted(t.slug for t in topic.tags.all()) == ["lenses", "night-sky"]
    assert TopicFollow.objects.get(topic=topic, user=member).level == "watching"
    assert Activity.objects.filter(verb="topic.created", target_id=topic.pk, space_id=space.pk).exists()
    assert broadcasts == [
        (
            [space_group(space.pk)],
            {"type": "topic", "op": "created", "topic_id": topic.pk, "post_id": opening.pk},
        )
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "Give your topic a title."),
        ({"title": "x" * 201}, "Keep the title under 200"),
        ({"body": ""}, "Write something first."),
        ({"body": "x" * 32_001}, "Keep posts under 32,000"),
        ({"kind": "poll"}, "Choose discussion, question or announcement."),
        ({"tags": "a,b,c,d,e,f"}, "Use at most 5 tags."),
        ({"tags": "x" * 41}, "Tags are at most 40"),
        ({"tags": "!!!"}, "not a usable tag"),
    ],
)
def test_create_topic_rejects_bad_input(member: Any, space: Space, fields: dict, message: str) -> None:
    kwargs = {"title": "Fine title", "body": "Fine body"} | fields
    with pytest.raises(Invalid, match=message):
        actions.create_topic(Guardian(member), space, **kwargs)
    assert not Topic.objects.exists()


def test_create_topic_refusals(
    member: Any, outsider: Any, suspended: Any, private_space: Space, space: Space, moderator: Any
) -> None:
    hidden = testing.make_space("Secret room", visibility=Space.SECRET)
    with pytest.raises(NotFound):
        start_topic(member, hidden)
    with pytest.raises(NotFound):
        start_topic(outsider, space)
    with pytest.raises(PermissionDenied, match="suspended"):
        start_topic(suspended, space)
    with pytest.raises(PermissionDenied, match="Only moderators post announcements"):
        start_topic(member, space, kind=Topic.ANNOUNCEMENT)
    assert start_topic(moderator, space, kind=Topic.ANNOUNCEMENT).kind == Topic.ANNOUNCEMENT
    with pytest.raises(NotFound):
        start_topic(None, space)


def test_create_topic_is_rate_limited(member: Any, space: Space, settings: Any) -> None:
    settings.DISCUSSIONS_TOPIC_RATE = "1/m"
    start_topic(member, space)
    with pytest.raises(RateLimited):
        start_topic(member, space, title="Another")


# --- create_post ---------------------------------------------------------------------------------
def test_create_post_positions_tree_counters_and_broadcast(
    member: Any, lea: Any, space: Space, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    topic = start_topic(member, space)
    opening = Post.objects.get(topic=topic, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        a = reply(lea, topic, "First answer")
    b = reply(member, topic, "Reply to the answer", reply_to=a)
    c = reply(lea, topic, "Deeper", reply_to=b)
    d = reply(lea, topic, "Replying to the opening post", reply_to=opening)
    assert [p.position for p in (a, b, c, d)] == [2, 3, 4, 5]
    assert [p.depth for p in (a, b, c, d)] == [1, 2, 3, 1]
    assert c.path == "00000001.00000002.00000003.00000004"
    assert d.reply_to is None
    topic = fresh(topic)
    assert topic.post_count == 5 and topic.last_position == 5 and topic.last_post_id == d.pk
    assert fresh(a).reply_count == 1
    assert TopicRead.objects.get(user=lea, topic=topic).highest_position_read == 5
    # The topic's readers hear of the post; the author of the topic is then told of it on their own stream.
    assert [b for b in broadcasts if b[1]["type"] == "topic"][-1] == (
        [space_group(space.pk)],
        {"type": "topic", "op": "post_created", "topic_id": topic.pk, "post_id": a.pk},
    )
    assert broadcasts[-1][0] == [f"user.{member.pk}"] and broadcasts[-1][1]["type"] == "notifications"
    assert Activity.objects.filter(verb="post.created", target_id=a.pk).exists()


def test_create_post_refusals(member: Any, lea: Any, moderator: Any, space: Space, outsider: Any) -> None:
    topic = start_topic(member, space)
    other = start_topic(member, space, title="Other topic")
    foreign = Post.objects.get(topic=other)
    with pytest.raises(Invalid, match="no such post in this topic"):
        reply(lea, topic, reply_to=foreign)
    with pytest.raises(Invalid, match="Write something"):
        reply(lea, topic, body="  ")
    with pytest.raises(NotFound):
        reply(outsider, topic)
    removed = reply(lea, topic)
    actions.delete_post(Guardian(lea), removed)
    with pytest.raises(Invalid, match="removed"):
        reply(member, topic, reply_to=fresh(removed))
    actions.lock_topic(Guardian(moderator), topic)
    with pytest.raises(PermissionDenied, match="locked"):
        reply(lea, topic)
    reply(moderator, topic, "Moderators may still reply")
    actions.unlock_topic(Guardian(moderator), topic)
    actions.close_topic(Guardian(moderator), topic)
    with pytest.raises(PermissionDenied, match="closed"):
        reply(lea, topic)


def test_deep_threads_stop_growing_their_path(member: Any, space: Space, monkeypatch: Any) -> None:
    monkeypatch.setattr(post_actions, "MAX_TREE_DEPTH", 3)
    topic = start_topic(member, space)
    parent = None
    for _ in range(5):
        parent = reply(member, topic, reply_to=parent)
    assert parent is not None and parent.depth == 3
    assert parent.path.count(".") == 3


# --- edit_post -----------------------------------------------------------------------------------
def test_edit_post_keeps_revisions_and_updates_title_and_tags(
    member: Any, moderator: Any, space: Space, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    topic = start_topic(member, space, tags="lenses")
    opening = Post.objects.get(topic=topic, position=1)
    with django_capture_on_commit_callbacks(execute=True):
        actions.edit_post(Guardian(member), opening, body="Edited body", title="Better title", tags="optics")
    actions.edit_post(Guardian(moderator), opening, body="Moderator fixed a typo")
    opening = fresh(opening)
    assert opening.body == "Moderator fixed a typo" and opening.edited_by == moderator
    revisions = list(PostRevision.objects.filter(post=opening))
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[0].body == "I want a wide, fast lens. Ideas?" and revisions[0].author == member
    assert revisions[0].title == "Which lens for the Milky Way?"
    assert revisions[1].body == "Edited body" and revisions[1].author == member
    topic = fresh(topic)
    assert topic.title == "Better title" and topic.slug == "better-title"
    assert [t.slug for t in topic.tags.all()] == ["optics"]
    assert broadcasts[0][1]["op"] == "post_edited"


def test_edit_post_without_changes_is_a_no_op(member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    opening = Post.objects.get(topic=topic, position=1)
    actions.edit_post(Guardian(member), opening, body=opening.body)
    assert not PostRevision.objects.exists()


def test_edit_post_refusals(member: Any, lea: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    with pytest.raises(PermissionDenied, match="your own"):
        actions.edit_post(Guardian(member), post, body="Not mine")
    with pytest.raises(Invalid):
        actions.edit_post(Guardian(lea), post, body="")
    actions.lock_topic(Guardian(moderator), topic)
    with pytest.raises(PermissionDenied, match="locked"):
        actions.edit_post(Guardian(lea), fresh(post), body="Changed")
    actions.unlock_topic(Guardian(moderator), topic)
    actions.delete_post(Guardian(lea), fresh(post))
    with pytest.raises(PermissionDenied, match="deleted"):
        actions.edit_post(Guardian(lea), fresh(post), body="Changed")


# --- delete / hide / restore ---------------------------------------------------------------------
def test_delete_reply_and_opening_post(member: Any, lea: Any, space: Space, moderator: Any) -> None:
    topic = start_topic(member, space, kind=Topic.QUESTION)
    answer = reply(lea, topic)
    actions.accept_answer(Guardian(member), topic, answer)
    actions.delete_post(Guardian(lea), answer)
    topic = fresh(topic)
    assert fresh(answer).deleted_at is not None
    assert topic.post_count == 1 and topic.accepted_post_id is None
    with pytest.raises(PermissionDenied, match="already deleted"):
        actions.delete_post(Guardian(lea), fresh(answer))
    with pytest.raises(PermissionDenied, match="your own"):
        actions.delete_post(Guardian(lea), Post.objects.get(topic=topic, position=1))
    actions.delete_post(Guardian(member), Post.objects.get(topic=topic, position=1))
    assert fresh(topic).deleted_at is not None
    with pytest.raises(NotFound):
        Guardian(lea).discussions.view_topic.ensure(fresh(topic))
    Guardian(moderator).discussions.view_topic.ensure(fresh(topic))


def test_hide_and_restore(member: Any, lea: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space)
    post = reply(lea, topic)
    with pytest.raises(PermissionDenied, match="moderators"):
        actions.hide_post(Guardian(member), post)
    actions.hide_post(Guardian(moderator), post, reason="spam")
    assert fresh(post).hidden and fresh(topic).post_count == 1
    with pytest.raises(Invalid, match="already hidden"):
        actions.hide_post(Guardian(moderator), fresh(post))
    actions.restore_post(Guardian(moderator), fresh(post))
    assert not fresh(post).hidden and fresh(topic).post_count == 2
    with pytest.raises(Invalid, match="neither hidden nor deleted"):
        actions.restore_post(Guardian(moderator), fresh(post))
    actions.hide_topic(Guardian(moderator), topic)
    assert fresh(topic).hidden
    assert Guardian(member).discussions.view_topic.can(fresh(topic))  # the author still sees it
    assert not Guardian(lea).discussions.view_topic.can(fresh(topic))
    actions.restore_topic(Guardian(moderator), fresh(topic))
    assert not fresh(topic).hidden


# --- pin, lock, close, move ----------------------------------------------------------------------
def test_pin_unpin(
    member: Any, moderator: Any, space: Space, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    topic = start_topic(member, space)
    with pytest.raises(PermissionDenied):
        actions.pin_topic(Guardian(member), topic)
    with django_capture_on_commit_callbacks(execute=True):
        actions.pin_topic(Guardian(moderator), topic, scope=Topic.PIN_SITE)
    assert fresh(topic).pinned == "site"
    assert broadcasts[-1][1] == {"type": "topic", "op": "pinned", "topic_id": topic.pk}
    with pytest.raises(Invalid):
        actions.pin_topic(Guardian(moderator), topic, scope="galaxy")
    actions.unpin_topic(Guardian(moderator), topic)
    assert fresh(topic).pinned == ""
    with pytest.raises(Invalid, match="not pinned"):
        actions.unpin_topic(Guardian(moderator), fresh(topic))


def test_space_moderator_cannot_pin_site_wide(member: Any, space: Space) -> None:
    keeper = testing.make_member("kai")
    from townhall.spaces.models import SpaceMembership

    SpaceMembership.objects.create(space=space, user=keeper, role=SpaceMembership.MODERATOR)
    topic = start_topic(member, space)
    actions.pin_topic(Guardian(keeper), topic, scope=Topic.PIN_SPACE)
    with pytest.raises(PermissionDenied, match="site-wide"):
        actions.pin_topic(Guardian(keeper), topic, scope=Topic.PIN_SITE)


def test_lock_close_twice_is_invalid(member: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space)
    actions.lock_topic(Guardian(moderator), topic)
    with pytest.raises(Invalid):
        actions.lock_topic(Guardian(moderator), topic)
    actions.close_topic(Guardian(moderator), topic)
    with pytest.raises(Invalid):
        actions.close_topic(Guardian(moderator), topic)
    actions.reopen_topic(Guardian(moderator), topic)
    with pytest.raises(Invalid):
        actions.reopen_topic(Guardian(moderator), topic)
    with pytest.raises(PermissionDenied):
        actions.unlock_topic(Guardian(member), topic)


def test_move_topic(member: Any, moderator: Any, space: Space, public_space: Space) -> None:
    topic = start_topic(member, space)
    actions.pin_topic(Guardian(moderator), topic)
    with pytest.raises(PermissionDenied):
        actions.move_topic(Guardian(member), topic, to_space=public_space)
    with pytest.raises(Invalid, match="already in that space"):
        actions.move_topic(Guardian(moderator), topic, to_space=space)
    actions.move_topic(Guardian(moderator), topic, to_space=public_space)
    topic = fresh(topic)
    assert topic.space_id == public_space.pk and topic.pinned == ""
    assert Activity.objects.get(verb="topic.moved").data == {"from_space_id": space.pk}


# --- accepted answer -----------------------------------------------------------------------------
def test_accept_and_unaccept_answer(member: Any, lea: Any, moderator: Any, space: Space) -> None:
    topic = start_topic(member, space, kind=Topic.QUESTION)
    answer = reply(lea, topic)
    with pytest.raises(PermissionDenied, match="person who asked"):
        actions.accept_answer(Guardian(lea), topic, answer)
    with pytest.raises(Invalid, match="question itself"):
        actions.accept_answer(Guardian(member), topic, Post.objects.get(topic=topic, position=1))
    actions.accept_answer(Guardian(member), topic, answer)
    assert fresh(topic).accepted_post_id == answer.pk
    actions.unaccept_answer(Guardian(moderator), fresh(topic))
    assert fresh(topic).accepted_post_id is None
    with pytest.raises(Invalid, match="no accepted answer"):
        actions.unaccept_answer(Guardian(member), fresh(topic))
    discussion = start_topic(member, space, title="Just chatting")
    with pytest.raises(PermissionDenied, match="Only question topics"):
        actions.accept_answer(Guardian(member), discussion, reply(lea, discussion))
    other = reply(lea, discussion)
    with pytest.raises(Invalid, match="not in this topic"):
        actions.accept_answer(Guardian(member), topic, other)


# --- reactions -----------------------------------------------------------------------------------
def test_react_and_unreact(member: Any, lea: Any, space: Space, outsider: Any) -> None:
    topic = start_topic(member, space)
    post = Post.objects.get(topic=topic, position=1)
    actions.react(Guardian(lea), post, emoji="👍")
    actions.react(Guardian(lea), post, emoji="👍")  # idempotent
    assert Reaction.objects.filter(post=post).count() == 1
    assert fresh(post).reaction_count == 1 and fresh(topic).score == 1
    with pytest.raises(Invalid, match="not available"):
        actions.react(Guardian(lea), post, emoji="💩")
    with pytest.raises(NotFound):
        actions.react(Guardian(outsider), post, emoji="👍")
    actions.unreact(Guardian(lea), post, emoji="👍")
    assert fresh(post).reaction_count == 0
    with pytest.raises(Invalid, match="not reacted"):
        actions.unreact(Guardian(lea), post, emoji="👍")


# --- read state, follows, drafts -----------------------------------------------------------------
def test_mark_read_moves_forward_only_and_remembers_last_visit(member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    for _ in range(4):
        reply(member, topic)
    topic = fresh(topic)
    assert actions.mark_read(Guardian(lea), topic, position=2) == 2
    assert actions.mark_read(Guardian(lea), topic, position=1) == 2
    assert actions.mark_read(Guardian(lea), topic, position=99) == 5
    read = TopicRead.objects.get(user=lea, topic=topic)
    assert (read.highest_position_read, read.last_visit_position) == (5, 2)
    assert actions.mark_read(Guardian(None), topic, position=3) == 0


def test_follow_levels(member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    actions.set_topic_follow_level(Guardian(member), topic, level="muted")
    assert TopicFollow.objects.get(user=member, topic=topic).level == "muted"
    actions.set_space_follow_level(Guardian(member), space, level="watching")
    assert SpaceFollow.objects.get(user=member, space=space).level == "watching"
    with pytest.raises(Invalid):
        actions.set_topic_follow_level(Guardian(member), topic, level="loud")
    with pytest.raises(PermissionDenied, match="Sign in"):
        actions.set_space_follow_level(Guardian(None), space, level="muted")


def test_drafts(member: Any, space: Space, outsider: Any) -> None:
    topic = start_topic(member, space)
    actions.save_draft(Guardian(member), topic=topic, body="half a tho")
    actions.save_draft(Guardian(member), topic=topic, body="half a thought")
    assert Draft.objects.get(user=member, topic=topic).body == "half a thought"
    actions.save_draft(Guardian(member), space=space, title="New idea", body="")
    assert Draft.objects.get(user=member, space=space).title == "New idea"
    actions.save_draft(Guardian(member), topic=topic, body="   ")
    assert not Draft.objects.filter(topic=topic).exists()
    with pytest.raises(NotFound):
        actions.save_draft(Guardian(outsider), topic=topic, body="peek")
    with pytest.raises(Invalid):
        actions.save_draft(Guardian(member), body="nowhere")
    reply(member, topic, "posted")
    actions.save_draft(Guardian(member), space=space, title="t", body="b")
    start_topic(member, space, title="Posted")
    assert not Draft.objects.exists()  # posting clears the draft


def test_reactions_and_edits_are_rate_limited(member: Any, space: Space, settings: Any) -> None:
    topic = start_topic(member, space)
    post = Post.objects.get(topic=topic)
    settings.DISCUSSIONS_WRITE_RATE = "1/m"
    actions.react(Guardian(member), post, emoji="👍")
    with pytest.raises(RateLimited):
        actions.edit_post(Guardian(member), post, body="again")
