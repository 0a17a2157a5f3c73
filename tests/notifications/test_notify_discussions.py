"""The notifications that discussions causes: who is told about replies, mentions, quotes, reactions,
accepted answers and news in watched topics and spaces, and who is never told (the actor, the muted,
whoever blocked the actor, whoever may no longer read the space)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from notify_testing import channels_held, kinds_of, told

import factories as testing
from townhall.accounts.models import Block
from townhall.community.models import Membership
from townhall.discussions import actions
from townhall.discussions.models import MUTED, WATCHING, SpaceFollow
from townhall.notifications.models import NONE, PENDING, Notification, Preference, Settings
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels_held() -> Iterator[None]:
    with channels_held():
        yield


@pytest.fixture
def lea(community: Any) -> Any:
    return testing.make_member("lea", display_name="Lea Lens")


@pytest.fixture
def space(member: Any, lea: Any) -> Space:
    return testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[member, lea])


def start(user: Any, space: Space, body: str = "I want a wide, fast lens. Ideas?") -> Any:
    return actions.create_topic(Guardian(user), space, title="Which lens for the Milky Way?", body=body)


def reply(user: Any, topic: Any, body: str = "Try a 14mm f/2.8.", reply_to: Any = None) -> Any:
    return actions.create_post(Guardian(user), topic, body=body, reply_to=reply_to)


def test_a_reply_tells_the_author_replied_to_with_the_post_link(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    topic = start(member, space)
    opening = topic.posts.get()
    with committed():
        post = reply(lea, topic, body="Try **a 14mm** f/2.8 & stack.", reply_to=opening)
    [row] = told(member)
    assert row.kind == "reply"
    assert row.actor_id == lea.pk
    assert row.url == f"/p/{post.pk}/"
    assert (row.target, row.thread_key, row.space_id) == (f"post:{post.pk}", f"topic:{topic.pk}", space.pk)
    assert row.source_key == f"post:{post.pk}"
    assert row.data == {"title": topic.title, "excerpt": "Try a 14mm f/2.8 & stack.", "position": 2}
    assert told(lea) == []  # never the actor


def test_the_most_specific_reason_only_one_notification_per_post(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    topic = start(member, space)  # the author watches the topic
    with committed():
        reply(lea, topic, body="@max what about this?", reply_to=topic.posts.get())
    assert kinds_of(member) == ["mention"]


def test_mention_emails_by_default_after_the_members_delay(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    Settings.objects.create(user=lea, email_delay_minutes=30)
    with committed():
        start(member, space, body="@lea have a look")
    [row] = told(lea, "mention")
    assert row.email_state == PENDING and row.push_state == PENDING
    assert row.email_due_at is not None
    assert timedelta(minutes=29) < row.email_due_at - row.created_at <= timedelta(minutes=30)


def test_a_preference_turns_a_channel_off(member: Any, lea: Any, space: Space, committed: Any) -> None:
    Preference.objects.create(user=lea, kind="mention", channel="email", enabled=False)
    with committed():
        start(member, space, body="@lea have a look")
    [row] = told(lea)
    assert (row.email_state, row.email_due_at, row.push_state) == (NONE, None, PENDING)


def test_watched_topics_and_spaces_tell_by_email_and_push_too(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    SpaceFollow.objects.create(user=lea, space=space, level=WATCHING)
    with committed():
        topic = start(member, space)
    [row] = told(lea)
    assert row.kind == "new_topic"
    assert (row.email_state, row.push_state) == (PENDING, PENDING)  # watching: tell me of everything
    with committed():
        reply(lea, topic)
    assert kinds_of(member) == ["watched_topic"]


def test_muted_topic_and_muted_space_tell_nothing(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    topic = start(member, space)
    actions.set_topic_follow_level(Guardian(member), topic, level=MUTED)
    with committed():
        reply(lea, topic, body="@max look", reply_to=topic.posts.get())
    assert told(member) == []
    SpaceFollow.objects.create(user=lea, space=space, level=MUTED)
    with committed():
        start(member, space, body="@lea in a space you muted")
    assert told(lea) == []


def test_whoever_blocked_the_actor_is_not_told(member: Any, lea: Any, space: Space, committed: Any) -> None:
    Block.objects.create(blocker=member, blocked=lea)
    topic = start(member, space)
    with committed():
        reply(lea, topic, body="@max hello", reply_to=topic.posts.get())
    assert told(member) == []


@pytest.mark.parametrize("who", ["outsider", "banned", "pending", "left_private"])
def test_people_who_may_not_read_the_space_are_not_told(
    request: pytest.FixtureRequest, who: str, member: Any, committed: Any
) -> None:
    inner = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[member])
    person = request.getfixturevalue(who) if who != "left_private" else testing.make_member("lee")
    if who == "left_private":
        SpaceMembership.objects.create(space=inner, user=person)
        SpaceMembership.objects.filter(space=inner, user=person).delete()  # left before the post
    SpaceFollow.objects.create(user=person, space=inner, level=WATCHING)
    with committed():
        start(member, inner, body=f"@{person.username} are you there?")
    assert told(person) == []


def test_a_suspended_member_who_reads_the_space_is_still_told(
    suspended: Any, member: Any, space: Space, committed: Any
) -> None:
    with committed():
        start(member, space, body="@sam welcome back soon")
    assert kinds_of(suspended) == ["mention"]


def test_a_banned_member_hears_nothing_more(member: Any, lea: Any, space: Space, committed: Any) -> None:
    topic = start(lea, space)
    Membership.objects.filter(user=lea).update(state=Membership.BANNED)
    with committed():
        reply(member, topic, reply_to=topic.posts.get())
    assert told(lea) == []


def test_a_quote_tells_the_quoted_author(
    member: Any, lea: Any, space: Space, owner: Any, committed: Any
) -> None:
    topic = start(member, space)
    first = reply(owner, topic, body="Stack twenty frames.")
    actions.set_topic_follow_level(Guardian(owner), topic, level=MUTED)
    actions.set_topic_follow_level(Guardian(owner), topic, level="normal")
    with committed():
        reply(lea, topic, body=f"> Stack twenty frames.\n>\n> — @adam, [post #2](/p/{first.pk}/)\n\nAgreed.")
    assert kinds_of(owner) == ["quote"]


def test_an_edit_that_adds_a_mention_tells_only_the_newly_mentioned_once(
    member: Any, lea: Any, space: Space, owner: Any, committed: Any
) -> None:
    topic = start(member, space)
    post = reply(lea, topic, body="Nice.")
    with committed():
        actions.edit_post(Guardian(lea), post, body="Nice, @olivia.")
    with committed():
        actions.edit_post(Guardian(lea), post, body="Nice, @olivia!")
    assert kinds_of(owner) == ["mention"]


def test_reactions_fold_into_one_notification_per_post(
    member: Any, lea: Any, space: Space, owner: Any, committed: Any
) -> None:
    topic = start(member, space)
    post = topic.posts.get()
    with committed():
        actions.react(Guardian(lea), post, emoji="👍")
    with committed():
        actions.react(Guardian(owner), post, emoji="👍")
    with committed():  # the same person again (taken back and given again) does not count twice
        actions.unreact(Guardian(lea), post, emoji="👍")
        actions.react(Guardian(lea), post, emoji="👍")
    [row] = told(member)
    assert (row.kind, row.actor_id, row.actor_count) == ("reaction", owner.pk, 2)
    assert row.group_key == f"reaction:post:{post.pk}"
    assert row.data["actor_ids"] == [lea.pk, owner.pk]
    Notification.objects.filter(pk=row.pk).update(read_at=row.created_at)
    newcomer = testing.make_member("ned")
    SpaceMembership.objects.create(space=space, user=newcomer)
    with committed():
        actions.react(Guardian(newcomer), post, emoji="👍")
    assert [(r.actor_id, r.actor_count) for r in told(member)] == [(owner.pk, 2), (newcomer.pk, 1)]


def test_own_reactions_and_removed_posts_tell_nobody(
    member: Any, lea: Any, space: Space, committed: Any
) -> None:
    topic = start(member, space)
    post = reply(lea, topic)
    with committed():
        actions.react(Guardian(lea), post, emoji="👍")
    actions.delete_post(Guardian(lea), post)
    with committed():
        actions.react(Guardian(member), topic.posts.get(position=1), emoji="👍")  # own post: nothing
    assert told(lea) == [] and told(member) == []


def test_an_accepted_answer_tells_the_answerer(member: Any, lea: Any, space: Space, committed: Any) -> None:
    topic = actions.create_topic(
        Guardian(member), space, title="Why is my sky green?", body="?", kind="question"
    )
    answer = reply(lea, topic, body="Light pollution.")
    with committed():
        actions.accept_answer(Guardian(member), topic, answer)
    [row] = told(lea)
    assert (row.kind, row.actor_id, row.source_key) == (
        "accepted_answer",
        member.pk,
        f"answer:post:{answer.pk}",
    )


def test_a_hidden_topic_in_the_meantime_tells_nobody(
    member: Any, lea: Any, moderator: Any, space: Space, committed: Any
) -> None:
    SpaceFollow.objects.create(user=lea, space=space, level=WATCHING)
    with committed():
        topic = start(member, space)
        actions.hide_topic(Guardian(moderator), topic, reason="spam")
    assert told(lea) == []
