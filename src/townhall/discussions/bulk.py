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
from typing import cast

from django.db import transaction
from django.db.models import F, OuterRef, Subquery

from townhall.accounts.models import User
from townhall.activity.log import ROW_COLUMNS, activity_row, checked_target_type
from townhall.activity.models import Activity
from townhall.content.mentions import render_posts
from townhall.core.bulkinsert import insert_rows
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
from townhall.discussions.models import MAX_TREE_DEPTH, Post, Reaction, Topic, TopicTag
from townhall.discussions.threads import (
    OPENING_PATH,
    OPENING_POSITION,
    Tally,
    participants_after_reply,
    place_reply,
    post_created_data,
    reaction_added_data,
    save_author_rows,
    thread_parent,
    topic_created_data,
)
from townhall.spaces.models import Space

BATCH_POSTS = 5000  # posts per transaction; measured with bench/topic_page.py
COUNTERS = (
    "post_count",
    "last_position",
    "score",
    "reaction_count",
    "last_posted_at",
    "last_post_id",
    "version",
)


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
    given: list[_Post] = []  # every reply written so far, for reply_to by index
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
        post_ids += _ids(thread.posts)
    topic.refresh_from_db(fields=[*COUNTERS])
    return Written(topic_id=topic.pk, post_ids=post_ids)


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
    reply: NewReply, index: int, given: Sequence[_Post], *, topic_id: int | None, where: str
) -> _Post | Post | None:
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
@dataclass(slots=True, eq=False)
class _Post:
    """A post about to be written. Model instances cost more to make than everything else done per
    row, so the many rows of a batch are plain objects and tuples until they are inserted."""

    author_id: int | None
    position: int
    depth: int
    path: str
    body: str
    body_html: str
    created_at: datetime
    mentioned: list[int]
    parent: _Post | Post | None  # thread_parent of what it answers
    reply_count: int = 0
    reaction_count: int = 0
    id: int | None = None

    @property
    def reply_to_id(self) -> int | None:
        return (
            None
            if self.parent is None
            else self.parent.pk
            if isinstance(self.parent, Post)
            else self.parent.id
        )


def _ids(posts: Iterable[_Post]) -> list[int]:
    return [post.id for post in posts if post.id is not None]


@dataclass(slots=True)
class _Reaction:
    post: _Post
    user_id: int
    emoji: str
    created_at: datetime


@dataclass
class _Thread:
    """One topic's new rows, all computed before anything is written."""

    topic: Topic  # unsaved (new) or read under its lock (existing)
    new: bool
    emoji: frozenset[str]
    tags: list[str] = field(default_factory=list)
    posts: list[_Post] = field(default_factory=list)
    reactions: list[_Reaction] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    saved_parents: Counter[int] = field(default_factory=Counter)  # reply_count increments to write

    def open(self, spec: NewTopic, body: str, html: str, mentioned: list[int], *, where: str) -> _Post:
        post = _Post(
            spec.author_id, OPENING_POSITION, 0, OPENING_PATH, body, html, spec.created_at, mentioned, None
        )
        self.tally.opened(spec.created_at)
        self.posts.append(post)
        self._react(post, spec.reactions, where=where)
        return post

    def add(
        self,
        reply: NewReply,
        body: str,
        html: str,
        mentioned: list[int],
        reply_to: _Post | Post | None,
        *,
        where: str,
    ) -> _Post:
        position = (self.tally.last_position or self.topic.last_position) + 1
        parent = cast("_Post | Post | None", thread_parent(reply_to))
        depth, path = place_reply(parent, position, max_depth=MAX_TREE_DEPTH)
        post = _Post(reply.author_id, position, depth, path, body, html, reply.created_at, mentioned, parent)
        if isinstance(parent, Post):
            self.saved_parents[parent.pk] += 1
        elif parent is not None and parent.id is not None:  # written in an earlier batch
            self.saved_parents[parent.id] += 1
        elif parent is not None:  # written in this batch: counted before it is inserted
            parent.reply_count += 1
        self.tally.replied(position, reply.created_at)
        self.topic.participant_ids = participants_after_reply(
            self.topic.author_id, list(self.topic.participant_ids or []), reply.author_id
        )
        self.posts.append(post)
        self._react(post, reply.reactions, where=where)
        return post

    def _react(self, post: _Post, reactions: Sequence[NewReaction], *, where: str) -> None:
        seen: set[tuple[int, str]] = set()
        for reaction in reactions:
            if reaction.emoji not in self.emoji:
                message = f"{where}: that reaction is not available here."
                raise Invalid(message, field_errors={"emoji": ["Not an available reaction."]})
            if (reaction.user_id, reaction.emoji) in seen:
                continue  # reacting twice is one reaction, as with the action
            seen.add((reaction.user_id, reaction.emoji))
            at = _aware(reaction.created_at or post.created_at, where=where)
            self.reactions.append(_Reaction(post, reaction.user_id, reaction.emoji, at))
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
            participant_ids=[spec.author_id],
        )
        thread = _Thread(topic=topic, new=True, emoji=emoji, tags=clean.tags)
        thread.open(spec, clean.body, *next(rendered), where=where)
        given: list[_Post] = []
        previous = spec.created_at
        for index, (reply, body) in enumerate(zip(spec.replies, clean.replies, strict=True)):
            at_reply = f"{where}, reply {index + 1}"
            parent = _reply_parent(reply, index, given, topic_id=None, where=at_reply)
            previous = _after(reply.created_at, previous, where=at_reply)
            given.append(thread.add(reply, body, *next(rendered), parent, where=at_reply))
        threads.append(thread)
    with transaction.atomic():
        _write(threads)
    return [
        Written(topic_id=t.topic.pk, post_ids=[p.id for p in t.posts if p.id is not None]) for t in threads
    ]


# --- writing ---------------------------------------------------------------------------------------
TOPIC_COLUMNS = (
    "space_id", "author_id", "title", "slug", "kind", "created_at", "post_count", "last_position",
    "reaction_count", "score", "last_posted_at", "version", "participant_ids",
)  # fmt: skip
POST_COLUMNS = (
    "topic_id", "author_id", "reply_to_id", "position", "depth", "path", "body", "body_html",
    "reply_count", "reaction_count", "created_at",
)  # fmt: skip


def _write(threads: list[_Thread]) -> None:
    """Insert the rows: a few INSERTs per table and batch, one UPDATE for the new topics' last posts
    (and, for an existing topic, one for its counters and one per saved post that got replies)."""
    new_topics = [t.topic for t in threads if t.new]
    for thread in threads:
        if thread.new:
            thread.tally.apply(thread.topic)
    ids = insert_rows(
        Topic,
        TOPIC_COLUMNS,
        [[getattr(t, name) for name in TOPIC_COLUMNS] for t in new_topics],
        returning=True,
    )
    for topic, pk in zip(new_topics, ids, strict=True):
        topic.pk = pk
        topic._state.adding = False
    _insert_posts(threads)
    if new_topics:
        last = Post.objects.filter(topic_id=OuterRef("pk"), position=OuterRef("last_position")).values("pk")
        Topic.objects.filter(pk__in=[t.pk for t in new_topics]).update(last_post_id=Subquery(last[:1]))
    for thread in threads:
        if not thread.posts:
            continue
        thread.topic.last_post_id = thread.posts[-1].id
        if not thread.new:
            thread.tally.last_post_id = thread.posts[-1].id
            Topic.objects.filter(pk=thread.topic.pk).update(
                version=F("version") + thread.tally.touches,
                participant_ids=thread.topic.participant_ids,
                **thread.tally.increments(),
            )
        for parent_id, count in thread.saved_parents.items():
            Post.objects.filter(pk=parent_id).update(reply_count=F("reply_count") + count)
    _insert_tags(threads)
    insert_rows(
        Reaction,
        ("post_id", "user_id", "emoji", "created_at"),
        [(r.post.id, r.user_id, r.emoji, r.created_at) for t in threads for r in t.reactions],
    )
    save_author_rows(
        (post.author_id, thread.topic.pk, post.position)
        for thread in threads
        for post in thread.posts
        if post.author_id is not None
    )
    insert_rows(Activity, ROW_COLUMNS, _activities(threads))
    post_ids = tuple(pk for thread in threads for pk in _ids(thread.posts))
    if post_ids:
        emit(RowsWritten("discussions.post", post_ids))


def _insert_posts(threads: list[_Thread]) -> None:
    """Many posts per INSERT, except that a post answering one still waiting to be inserted (whose id
    is not known yet) waits for the next INSERT."""
    pending: list[_Post] = []
    rows: list[tuple] = []

    def flush() -> None:
        for post, pk in zip(pending, insert_rows(Post, POST_COLUMNS, rows, returning=True), strict=True):
            post.id = pk
        pending.clear()
        rows.clear()

    for thread in threads:
        topic_id = thread.topic.pk
        for post in thread.posts:
            parent = post.parent
            if isinstance(parent, _Post) and parent.id is None:
                flush()
            pending.append(post)
            rows.append(
                (
                    topic_id, post.author_id, post.reply_to_id, post.position, post.depth, post.path, post.body,
                    post.body_html, post.reply_count, post.reaction_count, post.created_at,
                )
            )  # fmt: skip
    flush()


def _insert_tags(threads: list[_Thread]) -> None:
    by_slug = tags_by_slug(name for t in threads for name in t.tags)
    insert_rows(
        TopicTag,
        ("topic_id", "tag_id"),
        [(t.topic.pk, by_slug[tag_slug(name)].pk) for t in threads for name in t.tags],
    )


POST_TYPE = checked_target_type(Post)
TOPIC_TYPE = checked_target_type(Topic)


def _activities(threads: list[_Thread]) -> list[tuple]:
    """The actions' Activity rows, dated when each thing happened, in that order."""
    rows: list[tuple] = []
    for thread in threads:
        topic = thread.topic
        space_id = topic.space_id
        for post in thread.posts:
            if post.position == OPENING_POSITION:
                assert post.id is not None
                rows.append(
                    activity_row(
                        post.author_id, "topic.created", TOPIC_TYPE, topic.pk, space_id=space_id,
                        data=topic_created_data(topic.kind, post.id, post.mentioned), at=post.created_at,
                    )
                )  # fmt: skip
            else:
                rows.append(
                    activity_row(
                        post.author_id, "post.created", POST_TYPE, post.id, space_id=space_id,
                        data=post_created_data(topic.pk, post.parent, post.mentioned), at=post.created_at,
                    )
                )  # fmt: skip
        for reaction in thread.reactions:
            rows.append(
                activity_row(
                    reaction.user_id, "reaction.added", POST_TYPE, reaction.post.id, space_id=space_id,
                    data=reaction_added_data(reaction.emoji, topic.pk, reaction.post.author_id),
                    at=reaction.created_at,
                )
            )  # fmt: skip
    rows.sort(key=lambda row: row[-1])  # created_at
    return rows
