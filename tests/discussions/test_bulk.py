"""The discussions bulk layer writes the rows the actions write: the same conversation is written once
through the actions and once in bulk, and every row is compared field by field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from bulk_rows import activity_rows, captured_events, rolled_back, row
from townhall.activity.models import Activity
from townhall.core import effects
from townhall.core.effects import RowsWritten
from townhall.core.errors import Invalid
from townhall.discussions import actions, bulk
from townhall.discussions.actions import posts as post_actions
from townhall.discussions.bulk import NewReaction, NewReply, NewTopic
from townhall.discussions.models import Post, Reaction, Topic, TopicFollow, TopicRead
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db

TITLE = "Which lens for the Milky Way?"
OPENING = "Hi @lea, I want a wide, fast lens. Ideas?"
TAGS = "Lenses, night sky, lenses"
OPENING_REACTIONS = [("lea", "👍")]
# (author, body, reply_to: None = the topic, "opening" = the opening post, n = the n-th reply, reactions)
SCRIPT: list[tuple[str, str, Any, list[tuple[str, str]]]] = [
    ("lea", "Try a **14mm f/2.8**.", None, [("max", "❤️"), ("lea", "👍"), ("max", "❤️")]),
    ("max", "Thanks @lea and @nobody", 0, []),
    ("lea", "And a tracker, `always`.", 1, []),
    ("max", "Three deep: the limit here", 2, [("mona", "🎉")]),
    ("lea", "Past the limit: a sibling of its parent", 3, []),
    ("mona", "Answering the opening post is answering the topic", "opening", []),
    ("max", "Back to the first answer", 0, [("lea", "🤔")]),
    ("lea", "Past the limit again", 4, []),
]


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    import factories as testing

    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


@pytest.fixture
def people(member: Any, lea: Any, moderator: Any) -> dict[str, Any]:
    return {"max": member, "lea": lea, "mona": moderator}


@pytest.fixture
def shallow(monkeypatch: Any) -> int:
    """A small MAX_TREE_DEPTH for both writers, so the script goes past it."""
    monkeypatch.setattr(post_actions, "MAX_TREE_DEPTH", 3)
    monkeypatch.setattr(bulk, "MAX_TREE_DEPTH", 3)
    return 3


@pytest.fixture
def written_events() -> Iterator[list[effects.DomainEvent]]:
    with captured_events() as events:
        yield events


def snapshot(topic_id: int) -> dict[str, Any]:
    """Everything a topic's writes leave behind, with ids turned into positions and wall-clock times left
    out (the bulk layer's times are checked on their own)."""
    topic = Topic.objects.get(pk=topic_id)
    posts = list(Post.objects.filter(topic_id=topic_id).order_by("position"))
    position = {p.pk: p.position for p in posts}

    def at(pk: int | None) -> int | None:
        return None if pk is None else position[pk]

    def target(a: Activity) -> tuple[str, Any]:
        return (a.target_type, "topic" if a.target_type == "discussions.topic" else at(a.target_id))

    def data(payload: dict) -> dict:
        if "post_id" in payload:
            payload["post_id"] = at(payload["post_id"])
        if payload.get("topic_id") == topic_id:
            payload["topic_id"] = "topic"
        return payload

    logged = Activity.objects.filter(
        target_type="discussions.topic", target_id=topic_id
    ) | Activity.objects.filter(target_type="discussions.post", target_id__in=list(position))
    return {
        "topic": row(topic, skip={"created_at", "updated_at", "last_posted_at"}, refs={"last_post_id": at}),
        "posts": [row(p, skip={"topic_id", "created_at"}, refs={"reply_to_id": at}) for p in posts],
        "tags": sorted(topic.tags.values_list("slug", flat=True)),
        "reactions": sorted(
            (position[r.post_id], r.user_id, r.emoji)
            for r in Reaction.objects.filter(post__topic_id=topic_id)
        ),
        "follows": sorted(TopicFollow.objects.filter(topic_id=topic_id).values_list("user_id", "level")),
        "reads": sorted(
            TopicRead.objects.filter(topic_id=topic_id).values_list(
                "user_id", "highest_position_read", "last_visit_position"
            )
        ),
        "activity": activity_rows(logged, target, data),
    }


def through_actions(space: Space, people: dict[str, Any]) -> Topic:
    topic = actions.create_topic(
        Guardian(people["max"]), space, title=TITLE, body=OPENING, kind=Topic.QUESTION, tags=TAGS
    )
    opening = Post.objects.get(topic=topic, position=1)
    for name, emoji in OPENING_REACTIONS:
        actions.react(Guardian(people[name]), opening, emoji=emoji)
    written: list[Post] = []
    for name, body, to, reactions in SCRIPT:
        reply_to = opening if to == "opening" else (written[to] if to is not None else None)
        post = actions.create_post(Guardian(people[name]), topic, body=body, reply_to=reply_to)
        written.append(post)
        for who, emoji in reactions:
            if not Reaction.objects.filter(post=post, user=people[who], emoji=emoji).exists():
                actions.react(Guardian(people[who]), post, emoji=emoji)
    return topic


def new_topic(space: Space, people: dict[str, Any], start: datetime) -> NewTopic:
    def minutes(n: int) -> datetime:
        return start + timedelta(minutes=n)

    return NewTopic(
        space_id=space.pk,
        author_id=people["max"].pk,
        title=TITLE,
        body=OPENING,
        created_at=start,
        kind=Topic.QUESTION,
        tags=TAGS,
        reactions=[NewReaction(people[name].pk, emoji, minutes(1)) for name, emoji in OPENING_REACTIONS],
        replies=[
            NewReply(
                author_id=people[name].pk,
                body=body,
                created_at=minutes(10 * (i + 1)),
                reply_to=to if isinstance(to, int) else None,
                reactions=[NewReaction(people[who].pk, emoji) for who, emoji in reactions],
            )
            for i, (name, body, to, reactions) in enumerate(SCRIPT)
        ],
    )


# --- the same rows ----------------------------------------------------------------------------------
def test_bulk_topic_writes_the_rows_the_actions_write(
    space: Space, people: dict[str, Any], shallow: int
) -> None:
    with rolled_back():
        expected = snapshot(through_actions(space, people).pk)
    assert not Topic.objects.exists()

    start = timezone.now() - timedelta(days=30)
    [written] = bulk.bulk_create_topics([new_topic(space, people, start)])
    got = snapshot(written.topic_id)
    assert got == expected

    # What the comparison had to leave out: the times given.
    topic = Topic.objects.get(pk=written.topic_id)
    posts = list(Post.objects.filter(topic=topic).order_by("position"))
    assert written.post_ids == [p.pk for p in posts]
    assert topic.created_at == start == posts[0].created_at
    assert [p.created_at for p in posts[1:]] == [start + timedelta(minutes=10 * n) for n in range(1, 9)]
    assert topic.last_posted_at == posts[-1].created_at and topic.last_post_id == posts[-1].pk
    assert {r.created_at for r in Reaction.objects.filter(post=posts[1])} == {posts[1].created_at}
    assert Reaction.objects.get(post=posts[0]).created_at == start + timedelta(minutes=1)
    logged = list(Activity.objects.order_by("pk"))
    assert [a.created_at for a in logged] == sorted(a.created_at for a in logged)
    assert logged[0].verb == "topic.created" and logged[0].created_at == start
    assert {a.created_at for a in logged if a.verb == "post.created"} == {p.created_at for p in posts[1:]}


def test_the_compared_conversation_covers_what_it_claims(
    space: Space, people: dict[str, Any], shallow: int
) -> None:
    [written] = bulk.bulk_create_topics([new_topic(space, people, timezone.now())])
    posts = list(Post.objects.filter(topic_id=written.topic_id).order_by("position"))
    assert [p.depth for p in posts] == [0, 1, 2, 3, 3, 3, 1, 2, 3]
    assert posts[5].path == "00000001.00000002.00000003.00000006"  # past the limit: beside its parent
    assert posts[4].reply_count == 1 and posts[1].reply_count == 2 and posts[6].reply_to_id is None
    assert posts[2].reaction_count == 0 and posts[1].reaction_count == 2  # the repeated ❤️ counts once
    assert '<a class="mention" href="/u/lea/">@lea</a>' in posts[0].body_html
    assert "<strong>14mm f/2.8</strong>" in posts[1].body_html
    topic = Topic.objects.get(pk=written.topic_id)
    assert (topic.post_count, topic.last_position, topic.reaction_count, topic.score) == (9, 9, 5, 13)
    assert topic.version == 1 + 8 + 5
    assert sorted(topic.tags.values_list("slug", flat=True)) == ["lenses", "night-sky"]


def test_bulk_add_replies_writes_the_rows_create_post_writes(
    space: Space, people: dict[str, Any], shallow: int
) -> None:
    topic = start_topic(people["max"], space, title=TITLE)
    first = reply(people["lea"], topic, "An answer already there")
    deep = reply(
        people["max"], topic, "A deep one", reply_to=reply(people["lea"], topic, "x", reply_to=first)
    )
    script = [
        ("mona", "Answering a saved post", first, [("max", "👍")]),
        ("lea", "Answering the deep one", deep, []),
        ("max", "Answering the first new reply", 0, [("lea", "🎉")]),
        ("lea", "Past the limit", 2, []),
        ("max", "To the topic", None, []),
    ]
    with rolled_back():
        written: list[Post] = []
        current = Topic.objects.get(pk=topic.pk)
        for name, body, to, reactions in script:
            reply_to = written[to] if isinstance(to, int) else to
            written.append(actions.create_post(Guardian(people[name]), current, body=body, reply_to=reply_to))
            for who, emoji in reactions:
                actions.react(Guardian(people[who]), written[-1], emoji=emoji)
        expected = snapshot(topic.pk)

    start = timezone.now() + timedelta(minutes=1)
    current = Topic.objects.get(pk=topic.pk)
    result = bulk.bulk_add_replies(
        current,
        [
            NewReply(people[name].pk, body, start + timedelta(seconds=i), reply_to=to,
                     reactions=[NewReaction(people[who].pk, emoji) for who, emoji in reactions])
            for i, (name, body, to, reactions) in enumerate(script)
        ],
        batch_size=2,  # three batches: replies answer posts of earlier batches
    )  # fmt: skip
    assert snapshot(topic.pk) == expected
    assert current.last_position == 9 and current.last_post_id == result.post_ids[-1]
    assert current.last_posted_at == start + timedelta(seconds=4)


def test_batches_do_not_change_the_rows(space: Space, people: dict[str, Any], shallow: int) -> None:
    start = timezone.now() - timedelta(days=1)
    specs = [new_topic(space, people, start + timedelta(hours=n)) for n in range(3)]
    with rolled_back():
        whole = [snapshot(w.topic_id) for w in bulk.bulk_create_topics(specs)]
    assert [snapshot(w.topic_id) for w in bulk.bulk_create_topics(specs, batch_size=4)] == whole


# --- what else it does and does not do --------------------------------------------------------------
def test_rows_written_once_per_batch_and_nothing_broadcast(
    space: Space,
    people: dict[str, Any],
    written_events: list,
    broadcasts: list,
    django_capture_on_commit_callbacks: Any,
) -> None:
    start = timezone.now()
    specs = [
        NewTopic(space.pk, people["max"].pk, f"Topic {n}", "Opening", start,
                 replies=[NewReply(people["lea"].pk, f"Reply {i}", start) for i in range(2)])
        for n in range(3)
    ]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        written = bulk.bulk_create_topics(specs, batch_size=4)  # 3 + 3 posts, then 3
    first = tuple(written[0].post_ids + written[1].post_ids)
    assert written_events == [
        RowsWritten("discussions.post", first),
        RowsWritten("discussions.post", tuple(written[2].post_ids)),
    ]
    assert sorted(first + written_events[1].ids) == sorted(Post.objects.values_list("pk", flat=True))
    assert broadcasts == []


def test_drafts_stay_and_no_rate_limit_applies(space: Space, people: dict[str, Any], settings: Any) -> None:
    settings.DISCUSSIONS_TOPIC_RATE = "1/m"
    actions.save_draft(Guardian(people["max"]), space=space, body="Half a thought")
    start = timezone.now()
    specs = [NewTopic(space.pk, people["max"].pk, f"Topic {n}", "Body", start) for n in range(5)]
    assert len(bulk.bulk_create_topics(specs)) == 5
    from townhall.discussions.models import Draft

    assert Draft.objects.filter(user=people["max"], space=space).exists()


# --- each way the input can be refused ------------------------------------------------------------
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def _topic(space: Space, people: dict[str, Any], **fields: Any) -> NewTopic:
    values: dict[str, Any] = {
        "space_id": space.pk, "author_id": people["max"].pk, "title": "Fine title", "body": "Fine body",
        "created_at": NOW,
    }  # fmt: skip
    values.update(fields)
    return NewTopic(**values)


def _reply(people: dict[str, Any], **fields: Any) -> NewReply:
    values: dict[str, Any] = {"author_id": people["lea"].pk, "body": "Fine reply", "created_at": NOW}
    values.update(fields)
    return NewReply(**values)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s, p: {"title": "   "}, "Topic 2: Give your topic a title."),
        (lambda s, p: {"title": "x" * 201}, "Topic 2: Keep the title under 200"),
        (lambda s, p: {"body": ""}, "Topic 2: Write something first."),
        (lambda s, p: {"body": "x" * 32_001}, "Topic 2: Keep posts under 32,000"),
        (lambda s, p: {"kind": "poll"}, "Topic 2: Choose discussion, question or announcement."),
        (lambda s, p: {"tags": "a,b,c,d,e,f"}, "Topic 2: Use at most 5 tags."),
        (lambda s, p: {"tags": "x" * 41}, "Topic 2: Tags are at most 40"),
        (lambda s, p: {"tags": "!!!"}, "Topic 2: .*not a usable tag"),
        (lambda s, p: {"replies": [_reply(p, body=" ")]}, "Topic 2: reply 1: Write something first."),
        (lambda s, p: {"replies": [_reply(p, reply_to=0)]}, "Topic 2, reply 1: reply_to must be the index"),
        (
            lambda s, p: {"replies": [_reply(p), _reply(p, reply_to=Post(pk=1, topic_id=1, position=2))]},
            "Topic 2, reply 2: a new topic's replies answer the topic or an earlier reply",
        ),
        (
            lambda s, p: {"replies": [_reply(p, created_at=NOW - timedelta(seconds=1))]},
            "Topic 2, reply 1 is older than the post before it",
        ),
        (lambda s, p: {"created_at": NOW.replace(tzinfo=None)}, "Topic 2: give times with a time zone"),
        (
            lambda s, p: {"reactions": [NewReaction(p["lea"].pk, "🦄")]},
            "Topic 2: that reaction is not available",
        ),
        (lambda s, p: {"space_id": 999_999}, "Topic 2: there is no space with id 999999"),
        (lambda s, p: {"author_id": 999_999}, "There is no person with id 999999"),
        (
            lambda s, p: {"replies": [_reply(p, reactions=[NewReaction(999_998, "👍")])]},
            "There is no person with id 999998",
        ),
    ],
)
def test_bad_input_is_refused_before_the_batch_is_written(
    space: Space, people: dict[str, Any], make: Any, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        bulk.bulk_create_topics([_topic(space, people), _topic(space, people, **make(space, people))])
    assert not Topic.objects.exists() and not Activity.objects.exists()


def test_bad_replies_to_an_existing_topic_are_refused(space: Space, people: dict[str, Any]) -> None:
    topic = start_topic(people["max"], space)
    other = start_topic(people["max"], space, title="Other")
    removed = reply(people["lea"], topic)
    actions.delete_post(Guardian(people["lea"]), removed)
    removed.refresh_from_db()
    later = timezone.now() + timedelta(hours=1)
    foreign = Post.objects.get(topic=other)
    cases = [
        ([_reply(people, reply_to=foreign, created_at=later)], "Reply 1: There is no such post in this topic"),
        ([_reply(people, reply_to=removed, created_at=later)], "Reply 1: That post has been removed"),
        ([_reply(people, created_at=later), _reply(people, reply_to=1, created_at=later)], "Reply 2: reply_to must be"),
        ([_reply(people, body="", created_at=later)], "Reply 1: Write something first."),
        ([_reply(people, created_at=NOW)], "Reply 1 is older than the post before it"),
    ]  # fmt: skip
    before = Post.objects.count()
    for replies, message in cases:
        with pytest.raises(Invalid, match=message):
            bulk.bulk_add_replies(topic, replies)
    actions.delete_post(Guardian(people["max"]), Post.objects.get(topic=topic, position=1))
    with pytest.raises(Invalid, match=r"That topic has been deleted\."):
        bulk.bulk_add_replies(topic, [_reply(people, created_at=later)])
    assert Post.objects.count() == before
