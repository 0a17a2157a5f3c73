"""Writing discussions in bulk, without a person at the keyboard: importers, seeding, recurring events,
benchmarks (in the manner of Zulip's `do_*` functions).

Topics, posts and reactions are written with the authors and times given, and with the same rows the
actions write (`tests/discussions/test_bulk.py` compares them field by field):

- the same cleaning (title, body, kind, tags, the post replied to, the reaction set): Invalid, with the
  topic and reply it is about;
- positions, materialised paths and depth as `create_post` hands them out (`threads.place_reply`,
  MAX_TREE_DEPTH included); `reply_count` on the posts replied to; `reaction_count` on posts;
- the topic's counters (post_count, last_position, score, reaction_count, last_posted_at,
  last_post_id, version) from the same `threads.Tally` the actions use;
- tags; the authors' TopicFollow (watching) and TopicRead rows (`threads.save_author_rows`);
- body_html rendered with mentions by the actions' renderer (`mentions.render_posts`);
- Activity rows with the actions' verbs and payloads, dated when the thing happened.

Unlike the actions: no Guardian, no rate limits, no broadcasts, no domain events that notify anyone,
drafts are left alone and uploads are not attached. After each batch one `RowsWritten("discussions.post",
ids)` lets listeners that keep derived data (the search index) refresh those posts.

Each batch (about `batch_size` posts) is one transaction, so an Invalid leaves earlier batches written
(the message says which topic it is about); call inside `transaction.atomic()` for all or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from townhall.accounts.models import User
from townhall.activity.log import build_activity
from townhall.activity.models import Activity
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid
from townhall.discussions.actions import (
    allowed_emoji,
    clean_body,
    clean_kind,
    clean_reply_to,
    clean_tags,
    clean_title,
)
from townhall.discussions.actions._common import _lock_topic, _topic_slug, tag_slug, tags_by_slug
from townhall.discussions.events import PostCreatedData, TopicCreatedData
from townhall.discussions.mentions import render_posts
from townhall.discussions.models import MAX_TREE_DEPTH, Post, Reaction, Topic, TopicTag
from townhall.discussions.threads import (
    OPENING_PATH,
    OPENING_POSITION,
    Tally,
    place_reply,
    post_created_data,
    reaction_added_data,
    save_author_rows,
    thread_parent,
    topic_created_data,
)
from townhall.spaces.models import Space

BATCH_POSTS = 5000  # posts per transaction; measured with bench/topic_page.py


@dataclass(frozen=True)
class NewReaction:
    """One person's reaction (from the admins' set) to a post; given twice, it is written once."""

    user_id: int
    emoji: str
    created_at: datetime | None = None  # None: the time of the post


@dataclass(frozen=True)
class NewReply:
    """A reply and what it answers: None for the topic (or its opening post), the index of an earlier
    reply in the same list, or (bulk_add_replies only) a Post already in the topic."""

    author_id: int | None
    body: str
    created_at: datetime
    reply_to: int | Post | None = None
    reactions: Sequence[NewReaction] = ()


@dataclass(frozen=True)
class NewTopic:
    """A topic with its opening post (`body`, by `author_id` at `created_at`) and its replies, which
    come in the order they were written (each no older than the post before it)."""

    space_id: int
    author_id: int | None
    title: str
    body: str
    created_at: datetime
    kind: str = Topic.DISCUSSION
    tags: Sequence[str] | str = ()
    reactions: Sequence[NewReaction] = ()  # to the opening post
    replies: Sequence[NewReply] = ()


@dataclass(frozen=True)
class Written:
    """What one topic's write produced: post ids in the order given (the opening post first, for a new
    topic), so that an importer can map its own ids to ours."""

    topic_id: int
    post_ids: list[int]


def bulk_create_topics(topics: Iterable[NewTopic], *, batch_size: int = BATCH_POSTS) -> list[Written]:
    """Write topics with their opening posts, replies, tags and reactions (see the module's docstring).

    `topics` may be a generator: it is read one batch (about `batch_size` posts) at a time. Errors:
    Invalid (bad input, an unknown space or person, a naive or out-of-order time), raised before
    anything of that batch is written.
    """
    written: list[Written] = []
    batch: list[tuple[int, NewTopic]] = []
    size = 0
    for number, spec in enumerate(topics, start=1):
        batch.append((number, spec))
        size += 1 + len(spec.replies)
        if size >= batch_size:
            written += _write_new_topics(batch)
            batch, size = [], 0
    if batch:
        written += _write_new_topics(batch)
    return written


def bulk_add_replies(topic: Topic, replies: Sequence[NewReply], *, batch_size: int = BATCH_POSTS) -> Written:
    """Append replies (with their reactions) to an existing topic, as create_post would one by one.

    Locks the topic row in each batch (positions and counters are read, then written). A reply may
    answer a post already in the topic (a Post) or an earlier reply of `replies` (its index). Updates
    `topic`'s counters. Errors: Invalid (bad input, an unknown person, a deleted topic, a reply_to
    from another topic or removed, a time older than the post before it).
    """
    emoji = frozenset(allowed_emoji())
    post_ids: list[int] = []
    given: list[Post] = []  # every reply written so far, for reply_to by index
    for start in range(0, len(replies), batch_size):
        chunk = list(enumerate(replies[start : start + batch_size]))
        bodies = [_clean_reply_body(reply, f"Reply {start + i + 1}") for i, reply in chunk]
        _check_people({person for _, reply in chunk for person in _people_of(reply)})
        rendered = render_posts(bodies)
        with transaction.atomic():
            locked = _lock_topic(topic)
            if locked.deleted_at is not None:
                raise Invalid("That topic has been deleted.")
            thread = _Thread(topic=locked, new=False, emoji=emoji)
            previous = locked.last_posted_at
            for (i, reply), body, (html, mentioned) in zip(chunk, bodies, rendered, strict=True):
                index = start + i
                where = f"Reply {index + 1}"
                parent = _reply_parent(reply, index, given, topic_id=locked.pk, where=where)
                previous = _after(reply.created_at, previous, where=where)
                given.append(thread.add(reply, body, html, mentioned, parent, where=where))
            _write([thread])
        post_ids += [post.pk for post in thread.posts]
    topic.refresh_from_db(fields=[*COUNTERS])
    return Written(topic_id=topic.pk, post_ids=post_ids)


COUNTERS = (
    "post_count",
    "last_position",
    "score",
    "reaction_count",
    "last_posted_at",
    "last_post_id",
    "version",
)


# --- cleaning ---------------------------------------------------------------------------------------
def _context(where: str, exc: Invalid) -> Invalid:
    return Invalid(f"{where}: {exc.message}", field_errors=exc.field_errors)


def _aware(at: datetime, *, where: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        message = f"{where}: give times with a time zone."
        raise Invalid(message, field_errors={"created_at": [message]})
    return at


def _after(at: datetime, previous: datetime, *, where: str) -> datetime:
    """Positions follow time, as they do when people post: a reply is no older than the post before it."""
    _aware(at, where=where)
    if at < previous:
        message = f"{where} is older than the post before it; give replies in the order they were written."
        raise Invalid(message, field_errors={"created_at": [message]})
    return at


def _clean_reply_body(reply: NewReply, where: str) -> str:
    try:
        return clean_body(reply.body)
    except Invalid as exc:
        raise _context(where, exc) from None


def _reply_parent(
    reply: NewReply, index: int, given: Sequence[Post], *, topic_id: int | None, where: str
) -> Post | None:
    """The post a reply answers: an earlier reply of the same list, or (existing topics) a saved Post."""
    target = reply.reply_to
    if target is None:
        return None
    if isinstance(target, Post):
        if topic_id is None:
            message = f"{where}: a new topic's replies answer the topic or an earlier reply (by index)."
            raise Invalid(message, field_errors={"reply_to": [message]})
        try:
            return clean_reply_to(topic_id, target)
        except Invalid as exc:
            raise _context(where, exc) from None
    if not 0 <= target < index:
        message = f"{where}: reply_to must be the index of an earlier reply, not {target}."
        raise Invalid(message, field_errors={"reply_to": [message]})
    return given[target]


def _people_of(item: NewTopic | NewReply) -> Iterator[int]:
    if item.author_id is not None:
        yield item.author_id
    for reaction in item.reactions:
        yield reaction.user_id


def _check_people(ids: set[int]) -> None:
    known = set(User.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    missing = sorted(ids - known)
    if missing:
        message = f"There is no person with id {missing[0]}."
        raise Invalid(message, field_errors={"author_id": [message]})


@dataclass(frozen=True)
class _Cleaned:
    title: str
    body: str
    kind: str
    tags: list[str]
    replies: list[str]  # the replies' bodies


def _clean_topic(number: int, spec: NewTopic) -> _Cleaned:
    where = f"Topic {number}"
    try:
        cleaned = _Cleaned(
            title=clean_title(spec.title),
            body=clean_body(spec.body),
            kind=clean_kind(spec.kind),
            tags=clean_tags(spec.tags),
            replies=[_clean_reply_body(reply, f"reply {i + 1}") for i, reply in enumerate(spec.replies)],
        )
    except Invalid as exc:
        raise _context(where, exc) from None
    _aware(spec.created_at, where=where)
    return cleaned


# --- building rows in Python ------------------------------------------------------------------------
@dataclass
class _Thread:
    """One topic's new rows, all computed before anything is written."""

    topic: Topic  # unsaved (new) or read under its lock (existing)
    new: bool
    emoji: frozenset[str]
    tags: list[str] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    parents: list[Post | None] = field(default_factory=list)  # thread_parent of each post
    mentioned: list[list[int]] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    saved_parents: Counter[int] = field(default_factory=Counter)  # reply_count increments to write

    def open(self, spec: NewTopic, body: str, html: str, mentioned: list[int], *, where: str) -> Post:
        post = Post(
            author_id=spec.author_id,
            position=OPENING_POSITION,
            depth=0,
            path=OPENING_PATH,
            body=body,
            body_html=html,
            created_at=spec.created_at,
        )
        self.tally.opened(spec.created_at)
        self._append(post, None, mentioned)
        self._react(post, spec.reactions, where=where)
        return post

    def add(
        self,
        reply: NewReply,
        body: str,
        html: str,
        mentioned: list[int],
        reply_to: Post | None,
        *,
        where: str,
    ) -> Post:
        position = (self.tally.last_position or self.topic.last_position) + 1
        parent = thread_parent(reply_to)
        depth, path = place_reply(parent, position, max_depth=MAX_TREE_DEPTH)
        post = Post(
            author_id=reply.author_id,
            position=position,
            depth=depth,
            path=path,
            body=body,
            body_html=html,
            created_at=reply.created_at,
        )
        if parent is not None:
            if parent.pk is None:  # written in this batch: counted before it is inserted
                parent.reply_count += 1
            else:
                self.saved_parents[parent.pk] += 1
        self.tally.replied(position, reply.created_at)
        self._append(post, parent, mentioned)
        self._react(post, reply.reactions, where=where)
        return post

    def _append(self, post: Post, parent: Post | None, mentioned: list[int]) -> None:
        self.posts.append(post)
        self.parents.append(parent)
        self.mentioned.append(mentioned)

    def _react(self, post: Post, reactions: Sequence[NewReaction], *, where: str) -> None:
        seen: set[tuple[int, str]] = set()
        for reaction in reactions:
            if reaction.emoji not in self.emoji:
                message = f"{where}: that reaction is not available here."
                raise Invalid(message, field_errors={"emoji": ["Not an available reaction."]})
            if (reaction.user_id, reaction.emoji) in seen:
                continue  # reacting twice is one reaction, as with the action
            seen.add((reaction.user_id, reaction.emoji))
            at = _aware(reaction.created_at or post.created_at, where=where)
            self.reactions.append(
                Reaction(post=post, user_id=reaction.user_id, emoji=reaction.emoji, created_at=at)
            )
            post.reaction_count += 1
            self.tally.reacted()


def _write_new_topics(batch: list[tuple[int, NewTopic]]) -> list[Written]:
    emoji = frozenset(allowed_emoji())
    cleaned = [_clean_topic(number, spec) for number, spec in batch]
    known = set(
        Space.objects.filter(pk__in={spec.space_id for _, spec in batch}).values_list("pk", flat=True)
    )
    for number, spec in batch:
        if spec.space_id not in known:
            message = f"Topic {number}: there is no space with id {spec.space_id}."
            raise Invalid(message, field_errors={"space_id": [message]})
    people = {person for _, spec in batch for person in _people_of(spec)}
    people.update(person for _, spec in batch for reply in spec.replies for person in _people_of(reply))
    _check_people(people)
    # Rendering is most of the work; like the actions, it happens before the transaction.
    rendered = iter(render_posts([body for c in cleaned for body in (c.body, *c.replies)]))
    threads: list[_Thread] = []
    for (number, spec), clean in zip(batch, cleaned, strict=True):
        where = f"Topic {number}"
        topic = Topic(
            space_id=spec.space_id,
            author_id=spec.author_id,
            title=clean.title,
            slug=_topic_slug(clean.title),
            kind=clean.kind,
            created_at=spec.created_at,
        )
        thread = _Thread(topic=topic, new=True, emoji=emoji, tags=clean.tags)
        thread.open(spec, clean.body, *next(rendered), where=where)
        given: list[Post] = []
        previous = spec.created_at
        for index, (reply, body) in enumerate(zip(spec.replies, clean.replies, strict=True)):
            at_reply = f"{where}, reply {index + 1}"
            parent = _reply_parent(reply, index, given, topic_id=None, where=at_reply)
            previous = _after(reply.created_at, previous, where=at_reply)
            given.append(thread.add(reply, body, *next(rendered), parent, where=at_reply))
        threads.append(thread)
    with transaction.atomic():
        _write(threads)
    return [Written(topic_id=t.topic.pk, post_ids=[p.pk for p in t.posts]) for t in threads]


# --- writing ---------------------------------------------------------------------------------------
def _write(threads: list[_Thread]) -> None:
    """Insert the rows: a few INSERTs per table and batch, one UPDATE for the new topics' last posts
    (and, for an existing topic, one for its counters and one per post already there that got replies)."""
    new_topics = [t.topic for t in threads if t.new]
    for thread in threads:
        if thread.new:
            thread.tally.apply(thread.topic)
    Topic.objects.bulk_create(new_topics)
    _insert_posts(threads)
    if new_topics:
        last = Post.objects.filter(topic_id=OuterRef("pk"), position=OuterRef("last_position")).values("pk")
        Topic.objects.filter(pk__in=[t.pk for t in new_topics]).update(last_post_id=Subquery(last[:1]))
    for thread in threads:
        if not thread.posts:
            continue
        thread.topic.last_post_id = thread.posts[-1].pk
        if not thread.new:
            thread.tally.last_post_id = thread.posts[-1].pk
            Topic.objects.filter(pk=thread.topic.pk).update(
                version=F("version") + thread.tally.touches, **thread.tally.increments()
            )
        for parent_id, count in thread.saved_parents.items():
            Post.objects.filter(pk=parent_id).update(reply_count=F("reply_count") + count)
    _insert_tags(threads)
    Reaction.objects.bulk_create([r for t in threads for r in t.reactions])
    save_author_rows(
        (post.author_id, thread.topic.pk, post.position)
        for thread in threads
        for post in thread.posts
        if post.author_id is not None
    )
    Activity.objects.bulk_create(_activities(threads))
    post_ids = tuple(post.pk for thread in threads for post in thread.posts)
    if post_ids:
        emit(RowsWritten("discussions.post", post_ids))


def _insert_posts(threads: list[_Thread]) -> None:
    """Many posts per INSERT, except that a post answering one still waiting to be inserted (whose id
    is not known yet) waits for the next INSERT."""
    pending: list[Post] = []
    for thread in threads:
        for post, parent in zip(thread.posts, thread.parents, strict=True):
            post.topic = thread.topic
            if parent is not None:
                if parent.pk is None:
                    Post.objects.bulk_create(pending)
                    pending = []
                post.reply_to_id = parent.pk
            pending.append(post)
    if pending:
        Post.objects.bulk_create(pending)


def _insert_tags(threads: list[_Thread]) -> None:
    by_slug = tags_by_slug(name for t in threads for name in t.tags)
    TopicTag.objects.bulk_create(
        [TopicTag(topic=t.topic, tag=by_slug[tag_slug(name)]) for t in threads for name in t.tags]
    )


def _activities(threads: list[_Thread]) -> list[Activity]:
    """The actions' Activity rows, dated when each thing happened and in that order."""
    rows: list[Activity] = []
    for thread in threads:
        topic = thread.topic
        for post, parent, mentioned in zip(thread.posts, thread.parents, thread.mentioned, strict=True):
            data: TopicCreatedData | PostCreatedData
            if post.position == OPENING_POSITION:
                verb, data = "topic.created", topic_created_data(topic, post, mentioned)
                target: Topic | Post = topic
            else:
                verb, data = "post.created", post_created_data(topic.pk, parent, mentioned)
                target = post
            rows.append(
                build_activity(
                    post.author_id, verb, target, space_id=topic.space_id, data=data, at=post.created_at
                )
            )
        for reaction in thread.reactions:
            rows.append(
                build_activity(
                    reaction.user_id, "reaction.added", reaction.post, space_id=topic.space_id,
                    data=reaction_added_data(reaction.post, reaction.emoji), at=reaction.created_at,
                )
            )  # fmt: skip
    rows.sort(key=lambda row: row.created_at)
    return rows
