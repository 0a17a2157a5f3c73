"""Threads on chat messages: replying (counters, follows, idempotency, "also send to channel"), each
refusal with its reason, following, reading, and what the thread reads return."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import chat_space

import factories as testing
from townhall.activity.models import Activity
from townhall.chat import actions, events, thread_queries
from townhall.chat.models import Message, ThreadFollow
from townhall.chat.queries import channel_page, unread_by_space
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(member: Any, lounge: Space) -> Message:
    return actions.send_message(Guardian(member), lounge, body="Anyone tried the new UHC filter?")


def test_a_reply_counts_on_its_root_and_its_writers_follow(
    newcomer: Any, member: Any, lounge: Space, root: Message, emitted: list[Any], broadcasts: list[Any],
    committed: Any,
) -> None:  # fmt: skip
    with committed():
        reply = actions.reply_in_thread(Guardian(newcomer), root, body="Yes, it cuts the sodium glow")
    root.refresh_from_db()
    assert reply.thread_root_id == root.pk and not reply.also_in_channel
    assert (root.reply_count, root.last_reply_at) == (1, reply.created_at)
    follows = {(f.user_id, f.last_read_id) for f in ThreadFollow.objects.all()}
    assert follows == {(newcomer.pk, reply.pk), (member.pk, 0)}
    row = Activity.objects.get(verb="message.thread_replied")
    assert (row.actor_id, row.target_id, row.data) == (
        newcomer.pk, reply.pk, {"root_id": root.pk, "chars": 28, "also_in_channel": False, "mentioned": []},
    )  # fmt: skip
    assert emitted[-1] == events.ThreadReplied(
        message_id=reply.pk, root_id=root.pk, space_id=lounge.pk, actor_id=newcomer.pk
    )
    payload = {"type": "chat", "op": "thread_reply", "space_id": lounge.pk, "message_id": reply.pk, "root_id": root.pk}  # fmt: skip
    assert [b for b in broadcasts if b[1]["type"] == "chat"][-1] == ([f"space.{lounge.pk}"], payload)
    assert broadcasts[-1][0] == [f"user.{member.pk}"]  # the root's author is told (notifications)


def test_replies_stay_out_of_the_channel_unless_also_sent_there(
    newcomer: Any, member: Any, lounge: Space, root: Message, broadcasts: list[Any], committed: Any
) -> None:
    g = Guardian(newcomer)
    hidden = actions.reply_in_thread(g, root, body="Only in the thread")
    with committed():
        shown = actions.reply_in_thread(g, root, body="Everyone should see this", also_in_channel=True)
    ids = [line.message.pk for line in channel_page(Guardian(member), lounge).lines]
    assert ids == [root.pk, shown.pk] and hidden.pk not in ids
    assert [p["op"] for _g, p in broadcasts if p["type"] == "chat"] == ["thread_reply", "message_created"]
    # Unread in the channel counts the reply sent there, not the one kept in the thread.
    assert unread_by_space(Guardian(member), [lounge.pk]) == {lounge.pk: 1}


def test_a_retry_with_the_same_key_returns_the_first_reply(newcomer: Any, root: Message) -> None:
    g = Guardian(newcomer)
    first = actions.reply_in_thread(g, root, body="Once", client_key="k-1")
    again = actions.reply_in_thread(g, root, body="Once", client_key="k-1")
    root.refresh_from_db()
    assert again.pk == first.pk and root.reply_count == 1


def test_a_key_used_in_the_channel_is_refused_for_a_reply(
    newcomer: Any, lounge: Space, root: Message
) -> None:
    actions.send_message(Guardian(newcomer), lounge, body="hi", client_key="k-2")
    with pytest.raises(Invalid, match="already used"):
        actions.reply_in_thread(Guardian(newcomer), root, body="hi", client_key="k-2")


def test_replies_to_replies_do_not_exist(newcomer: Any, member: Any, root: Message) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="A reply")
    reply = Message.objects.select_related("space").get(pk=reply.pk)
    with pytest.raises(NotFound):
        actions.reply_in_thread(Guardian(member), reply, body="To the reply")


def test_bad_text_is_refused_like_a_message(newcomer: Any, root: Message) -> None:
    with pytest.raises(Invalid, match="Write something before sending"):
        actions.reply_in_thread(Guardian(newcomer), root, body="  \n ")


def test_outsiders_see_no_thread_and_visitors_cannot_reply(outsider: Any, root: Message) -> None:
    with pytest.raises(NotFound):
        actions.reply_in_thread(Guardian(outsider), root, body="hello")
    with pytest.raises(NotFound):
        actions.follow_thread(Guardian(outsider), root)


def test_a_deleted_root_takes_no_replies(member: Any, newcomer: Any, root: Message) -> None:
    actions.delete_message(Guardian(member), root)
    with pytest.raises(PermissionDenied, match="deleted, so its thread takes no new replies"):
        actions.reply_in_thread(Guardian(newcomer), root, body="hello")


def test_announcement_channels_take_member_replies_in_threads_but_not_in_the_channel(
    member: Any, space_moderator: Any
) -> None:
    news = chat_space(
        "News", members=[member], moderators=[space_moderator], kind_settings={"announcement_only": True}
    )
    root = actions.send_message(Guardian(space_moderator), news, body="Star party on Saturday")
    reply = actions.reply_in_thread(Guardian(member), root, body="Is it still on if cloudy?")
    assert reply.thread_root_id == root.pk
    with pytest.raises(PermissionDenied, match="only moderators post here"):
        actions.reply_in_thread(Guardian(member), root, body="Me too", also_in_channel=True)
    assert actions.reply_in_thread(Guardian(space_moderator), root, body="Yes", also_in_channel=True)


def test_slow_mode_counts_thread_replies(member: Any, newcomer: Any) -> None:
    slow = chat_space("Slow", members=[member, newcomer], kind_settings={"slow_mode_seconds": 60})
    root = actions.send_message(Guardian(member), slow, body="First")
    actions.reply_in_thread(Guardian(newcomer), root, body="One")
    with pytest.raises(PermissionDenied, match="Slow mode is on"):
        actions.reply_in_thread(Guardian(newcomer), root, body="Two")


def test_edit_delete_and_restore_work_on_replies(newcomer: Any, space_moderator: Any, root: Message) -> None:
    reply = actions.reply_in_thread(Guardian(newcomer), root, body="Typo")
    reply = Message.objects.select_related("space").get(pk=reply.pk)
    assert actions.edit_message(Guardian(newcomer), reply, body="Fixed").body == "Fixed"
    deleted = actions.delete_message(Guardian(newcomer), reply)
    assert deleted.deleted_at is not None
    assert actions.restore_message(Guardian(space_moderator), deleted).deleted_at is None
    root.refresh_from_db()
    assert root.reply_count == 1


def test_follow_unfollow_and_read(member: Any, newcomer: Any, space_moderator: Any, root: Message) -> None:
    actions.reply_in_thread(Guardian(newcomer), root, body="One")
    follow = actions.follow_thread(Guardian(space_moderator), root)
    assert follow.last_read_id == root.replies.get().pk  # earlier replies are not news
    assert Activity.objects.filter(verb="thread.followed").count() == 1
    actions.follow_thread(Guardian(space_moderator), root)  # again: nothing new
    assert Activity.objects.filter(verb="thread.followed").count() == 1
    actions.unfollow_thread(Guardian(space_moderator), root)
    assert not ThreadFollow.objects.filter(user=space_moderator).exists()
    assert Activity.objects.filter(verb="thread.unfollowed").count() == 1
    actions.unfollow_thread(Guardian(space_moderator), root)  # not following: nothing
    assert Activity.objects.filter(verb="thread.unfollowed").count() == 1


def test_visitors_cannot_follow(root: Message, community: Any) -> None:
    with pytest.raises((NotFound, PermissionDenied)):
        actions.follow_thread(Guardian(None), root)


def test_unread_replies_in_followed_threads(
    member: Any, newcomer: Any, lounge: Space, root: Message, broadcasts: list[Any], committed: Any,
) -> None:  # fmt: skip
    g = Guardian(member)
    other = actions.send_message(Guardian(newcomer), lounge, body="Another thread")
    actions.reply_in_thread(Guardian(member), other, body="Started")
    actions.reply_in_thread(Guardian(newcomer), root, body="One")
    actions.reply_in_thread(Guardian(member), root, body="Mine moves my position past it")
    assert thread_queries.unread_threads(g, lounge) == 0
    last = actions.reply_in_thread(Guardian(newcomer), root, body="Two")
    actions.reply_in_thread(Guardian(newcomer), other, body="Three")
    actions.reply_in_thread(Guardian(newcomer), other, body="Four")
    assert thread_queries.unread_threads(g, lounge) == 2
    threads = thread_queries.followed_threads(g, lounge)
    assert [(t.root.pk, t.unread) for t in threads] == [(other.pk, 2), (root.pk, 1)]  # newest reply first
    with committed():
        actions.mark_thread_read(g, root, up_to=last.pk)
    assert thread_queries.unread_threads(g, lounge) == 1
    assert broadcasts[-1] == (
        [f"user.{member.pk}"],
        {
            "type": "chat",
            "op": "thread_read",
            "space_id": lounge.pk,
            "root_id": root.pk,
            "message_id": last.pk,
        },
    )


def test_followers_name_the_first_few(member: Any, lounge: Space, root: Message) -> None:
    people = [testing.make_member(f"p{i}", display_name=f"Person {i}") for i in range(5)]
    for person in people:
        actions.follow_thread(Guardian(person), root)
    shown = thread_queries.followers(Guardian(member), root)
    assert shown.names == ["Person 0", "Person 1", "Person 2"] and shown.more == 2 and not shown.following
    actions.follow_thread(Guardian(member), root)
    assert thread_queries.followers(Guardian(member), root).following


THREAD_QUERIES = 5


def test_the_thread_page_runs_a_fixed_number_of_queries(
    member: Any, newcomer: Any, root: Message, django_assert_num_queries: Any
) -> None:
    for i in range(3):
        actions.reply_in_thread(Guardian(newcomer), root, body=f"Reply {i}")
    g = Guardian(member)
    thread_queries.thread_page(g, root)  # warms the Guardian's cached standing
    # The replies with their authors; then the reactions and the files of the root, and of the replies.
    with django_assert_num_queries(THREAD_QUERIES):
        page = thread_queries.thread_page(g, root)
    assert [line.message.body for line in page.lines] == ["Reply 0", "Reply 1", "Reply 2"]
    for i in range(3, 8):
        actions.reply_in_thread(Guardian(member), root, body=f"Reply {i}")
    with django_assert_num_queries(THREAD_QUERIES):
        thread_queries.thread_page(g, root)
    with django_assert_num_queries(1):
        thread_queries.followed_threads(g, root.space)


def test_bulk_replies_write_what_the_action_writes(member: Any, newcomer: Any, lounge: Space) -> None:
    from django.utils import timezone

    from townhall.chat.bulk import NewReply, bulk_add_replies

    by_action = actions.send_message(Guardian(member), lounge, body="A")
    by_bulk = actions.send_message(Guardian(member), lounge, body="B")
    one = actions.reply_in_thread(Guardian(newcomer), by_action, body="Reply **one**")
    two = actions.reply_in_thread(Guardian(member), by_action, body="Reply two", also_in_channel=True)
    now = timezone.now()
    written = bulk_add_replies(
        by_bulk,
        [
            NewReply(author_id=newcomer.pk, body="Reply **one**", at=now),
            NewReply(author_id=member.pk, body="Reply two", at=now, also_in_channel=True),
        ],
    )
    fields = ("author_id", "body", "html", "also_in_channel")
    assert [tuple(getattr(m, f) for f in fields) for m in written] == [
        tuple(getattr(m, f) for f in fields) for m in (one, two)
    ]
    by_action.refresh_from_db()
    by_bulk.refresh_from_db()
    assert (by_bulk.reply_count, by_bulk.last_reply_at) == (2, now) and by_action.reply_count == 2

    def follows(root: Message) -> set[tuple[int, bool]]:
        # Who follows, and whether they have read up to the newest reply.
        newest = root.replies.order_by("-id").first().pk  # type: ignore[union-attr]
        return {(f.user_id, f.last_read_id == newest) for f in ThreadFollow.objects.filter(root=root)}

    assert follows(by_bulk) == follows(by_action) == {(member.pk, True), (newcomer.pk, False)}
    rows = Activity.objects.filter(verb="message.thread_replied").order_by("id")
    assert [(r.actor_id, r.data["also_in_channel"]) for r in rows] == [
        (newcomer.pk, False), (member.pk, True), (newcomer.pk, False), (member.pk, True),
    ]  # fmt: skip
    with pytest.raises(Invalid, match="A reply has no thread of its own"):
        bulk_add_replies(written[0], [NewReply(author_id=member.pk, body="x", at=now)])
