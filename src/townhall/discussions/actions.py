"""Every write to discussions goes through here: views, the API and tasks call these functions.

Each action asks the Guardian first (404 when unseen, 403 with a reason when not allowed), validates
its input (Invalid with a message), writes inside a transaction (locking the topic row whenever
counters or positions are read and then written), records an Activity row, and schedules broadcasts
for after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from townhall.community.activity import record_activity
from townhall.core import ratelimit
from townhall.core.errors import Invalid
from townhall.discussions import broadcasts, search
from townhall.discussions.mentions import render_post
from townhall.discussions.models import (
    BODY_MAX,
    FOLLOW_LEVELS,
    MAX_TAGS,
    MAX_TREE_DEPTH,
    PATH_SEGMENT,
    TAG_MAX,
    TITLE_MAX,
    WATCHING,
    Draft,
    Post,
    PostRevision,
    Reaction,
    SpaceFollow,
    Tag,
    Topic,
    TopicFollow,
    TopicRead,
    TopicTag,
    reaction_choices,
)
from townhall.discussions.uploads import attach_uploads
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

TOPIC_RATE = "20/m"
POST_RATE = "60/m"
WRITE_RATE = "240/m"  # edits, reactions, follows, drafts, moderation


def _write_limit(guardian: Guardian) -> None:
    ratelimit.hit(f"discussions-write:{guardian.user_id}", _rate("DISCUSSIONS_WRITE_RATE", WRITE_RATE))


def _me(guardian: Guardian) -> int:
    """The caller's id, once a rule has established that someone is signed in."""
    user_id = guardian.user_id
    if user_id is None:
        raise guardian.deny("Sign in first.")
    return user_id


def _rate(name: str, default: str) -> str:
    return str(getattr(settings, name, default))


# --- validation helpers --------------------------------------------------------------------------
def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("Give your topic a title.", field_errors={"title": ["This field is required."]})
    if len(title) > TITLE_MAX:
        msg = f"Keep the title under {TITLE_MAX} characters (it has {len(title)})."
        raise Invalid(msg, field_errors={"title": [msg]})
    return title


def clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid("Write something first.", field_errors={"body": ["This field is required."]})
    if len(body) > BODY_MAX:
        msg = f"Keep posts under {BODY_MAX:,} characters (this one has {len(body):,})."
        raise Invalid(msg, field_errors={"body": [msg]})
    return body


def clean_tags(tags: Iterable[str] | str) -> list[str]:
    """Tag names from a list or a comma-separated string: trimmed, de-duplicated, at most MAX_TAGS."""
    if isinstance(tags, str):
        tags = tags.split(",")
    names: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        name = " ".join(str(raw).split()).lstrip("#")
        if not name:
            continue
        if len(name) > TAG_MAX:
            msg = f"Tags are at most {TAG_MAX} characters."
            raise Invalid(msg, field_errors={"tags": [msg]})
        slug = slugify(name)
        if not slug:
            msg = f"“{name}” is not a usable tag; use letters or digits."
            raise Invalid(msg, field_errors={"tags": [msg]})
        if slug not in seen:
            seen.add(slug)
            names.append(name)
    if len(names) > MAX_TAGS:
        msg = f"Use at most {MAX_TAGS} tags."
        raise Invalid(msg, field_errors={"tags": [msg]})
    return names


def _tag_objects(names: list[str]) -> list[Tag]:
    result = []
    for name in names:
        slug = slugify(name)[:50]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name, slug=slug)
            except IntegrityError:
                tag = Tag.objects.get(slug=slug)
        result.append(tag)
    return result


def _touch(topic_id: int, **changes: Any) -> None:
    """Write the topic's changed fields and bump its version (which keys cached copies of its page)."""
    Topic.objects.filter(pk=topic_id).update(version=F("version") + 1, **changes)


def _set_tags(topic: Topic, names: list[str]) -> None:
    TopicTag.objects.filter(topic=topic).delete()
    TopicTag.objects.bulk_create([TopicTag(topic=topic, tag=tag) for tag in _tag_objects(names)])


def _topic_slug(title: str) -> str:
    return slugify(title)[:80].strip("-") or "topic"


def _lock_topic(topic: Topic) -> Topic:
    """Re-read the topic under a row lock (counters, positions and state are read then written)."""
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    locked.space = topic.space if topic.space_id == locked.space_id else Space.objects.get(pk=locked.space_id)
    return locked


def _sync_topic(target: Topic, source: Topic, *fields: str) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


# --- topics and posts ----------------------------------------------------------------------------
def create_topic(
    guardian: Guardian,
    space: Space,
    *,
    title: str,
    body: str,
    kind: str = Topic.DISCUSSION,
    tags: Iterable[str] | str = (),
) -> Topic:
    """Start a topic with its opening post (position 1). The author starts watching it.

    Errors: NotFound (space unseen), PermissionDenied (may not post; announcements by non-moderators),
    Invalid (title, body, kind, tags), RateLimited. Broadcasts `topic/created` to the space.
    """
    guardian.ensure_can_create_topic(space)
    title = clean_title(title)
    body = clean_body(body)
    tag_names = clean_tags(tags)
    if kind not in dict(Topic.KINDS):
        raise Invalid(
            "Choose discussion, question or announcement.", field_errors={"kind": ["Not a valid type."]}
        )
    if kind == Topic.ANNOUNCEMENT and not guardian.can_create_announcement(space):
        raise guardian.deny("Only moderators post announcements.")
    ratelimit.hit(f"discussions-topic:{guardian.user_id}", _rate("DISCUSSIONS_TOPIC_RATE", TOPIC_RATE))
    html, mentioned = render_post(body)
    now = timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            space=space,
            author=guardian.user,
            title=title,
            slug=_topic_slug(title),
            kind=kind,
            last_posted_at=now,
        )
        post = Post.objects.create(
            topic=topic,
            author=guardian.user,
            position=1,
            depth=0,
            path=_segment(1),
            body=body,
            body_html=html,
        )
        topic.last_post_id = post.pk
        _touch(topic.pk, last_post_id=post.pk)
        if tag_names:
            _set_tags(topic, tag_names)
        TopicFollow.objects.create(user_id=_me(guardian), topic=topic, level=WATCHING)
        TopicRead.objects.create(
            user_id=_me(guardian), topic=topic, highest_position_read=1, last_visit_position=1
        )
        search.index_post(post, title=title)
        attach_uploads(post, uploader_id=guardian.user_id, space_id=space.pk)
        Draft.objects.filter(user=guardian.user, space=space).delete()
        record_activity(
            guardian.user, "topic.created", topic, space_id=space.pk,
            data={"kind": kind, "post_id": post.pk, "mentioned": mentioned},
        )  # fmt: skip
        broadcasts.topic_changed(space_id=space.pk, topic_id=topic.pk, op="created", post_id=post.pk)
    return topic


def _segment(position: int) -> str:
    return str(position).zfill(PATH_SEGMENT)


def create_post(guardian: Guardian, topic: Topic, *, body: str, reply_to: Post | None = None) -> Post:
    """Reply to the topic, or to one of its posts (`reply_to`, threaded under it).

    Locks the topic row to hand out the next position and bump the counters. Replying to the
    opening post counts as replying to the topic. The replier starts watching the topic.
    Errors: NotFound, PermissionDenied (locked/closed/…), Invalid (body; reply_to from another topic or
    removed), RateLimited. Broadcasts `topic/post_created` to the space.
    """
    guardian.ensure_can_reply(topic)
    body = clean_body(body)
    if reply_to is not None:
        if reply_to.topic_id != topic.pk:
            raise Invalid(
                "You can only reply to a post in the same topic.", field_errors={"reply_to": ["Wrong topic."]}
            )
        if reply_to.deleted_at is not None or reply_to.hidden:
            raise Invalid("That post has been removed; reply to the topic instead.")
    ratelimit.hit(f"discussions-post:{guardian.user_id}", _rate("DISCUSSIONS_POST_RATE", POST_RATE))
    html, mentioned = render_post(body)
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_topic(topic)
        guardian.ensure_can_reply(locked)  # the state may have changed since the caller read it
        position = locked.last_position + 1
        parent = reply_to if reply_to is not None and reply_to.position != 1 else None
        if parent is None:
            depth, path = 1, f"{_segment(1)}.{_segment(position)}"
        elif parent.depth >= MAX_TREE_DEPTH:
            depth = parent.depth
            path = parent.path.rsplit(".", 1)[0] + "." + _segment(position)
        else:
            depth, path = parent.depth + 1, f"{parent.path}.{_segment(position)}"
        post = Post.objects.create(
            topic=locked,
            author=guardian.user,
            reply_to=parent,
            position=position,
            depth=depth,
            path=path,
            body=body,
            body_html=html,
        )
        _touch(
            locked.pk,
            last_position=position,
            post_count=F("post_count") + 1,
            score=F("score") + 1,
            last_posted_at=now,
            last_post_id=post.pk,
        )
        if parent is not None:
            Post.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
        TopicFollow.objects.get_or_create(user=guardian.user, topic=locked, defaults={"level": WATCHING})
        TopicRead.objects.update_or_create(
            user=guardian.user,
            topic=locked,
            defaults={"highest_position_read": position, "last_visit_position": position},
        )
        search.index_post(post)
        attach_uploads(post, uploader_id=guardian.user_id, space_id=locked.space_id)
        Draft.objects.filter(user=guardian.user, topic=locked).delete()
        record_activity(
            guardian.user,
            "post.created",
            post,
            space_id=locked.space_id,
            data={
                "topic_id": locked.pk,
                "reply_to_author_id": parent.author_id if parent else None,
                "mentioned": mentioned,
            },
        )
        broadcasts.topic_changed(
            space_id=locked.space_id, topic_id=locked.pk, op="post_created", post_id=post.pk
        )
    topic.last_position = position
    topic.post_count = locked.post_count + 1
    topic.last_posted_at = now
    topic.last_post_id = post.pk
    return post


def edit_post(
    guardian: Guardian,
    post: Post,
    *,
    body: str,
    title: str | None = None,
    tags: Iterable[str] | str | None = None,
) -> Post:
    """Change a post's text (and, for the opening post, the topic's title and tags).

    The previous text is kept as a PostRevision (author and time of that version). Locks the post row.
    Errors: NotFound, PermissionDenied, Invalid (body/title/tags; nothing changed is fine and a no-op).
    Broadcasts `topic/post_edited`.
    """
    guardian.ensure_can_edit_post(post)
    _write_limit(guardian)
    body = clean_body(body)
    topic = post.topic
    new_title = clean_title(title) if (title is not None and post.position == 1) else None
    tag_names = clean_tags(tags) if (tags is not None and post.position == 1) else None
    with transaction.atomic():
        current = Post.objects.select_for_update().get(pk=post.pk)
        title_changed = new_title is not None and new_title != topic.title
        if current.body == body and not title_changed and tag_names is None:
            return post
        if current.body != body or title_changed:
            number = PostRevision.objects.filter(post=current).count() + 1
            PostRevision.objects.create(
                post=current,
                number=number,
                body=current.body,
                title=topic.title if current.position == 1 else "",
                author_id=current.edited_by_id or current.author_id,
                created_at=current.edited_at or current.created_at,
            )
        now = timezone.now()
        post.body = body
        post.body_html, mentioned = render_post(body)
        post.edited_at = now
        post.edited_by = guardian.user
        post.save(update_fields=["body", "body_html", "edited_at", "edited_by"])
        if title_changed and new_title is not None:
            topic.title = new_title
            topic.slug = _topic_slug(new_title)
            _touch(topic.pk, title=new_title, slug=topic.slug)
        else:
            _touch(topic.pk)
        if tag_names is not None:
            _set_tags(topic, tag_names)
        search.index_post(post, title=topic.title)
        attach_uploads(post, uploader_id=post.author_id, space_id=topic.space_id)
        record_activity(
            guardian.user, "post.edited", post, space_id=topic.space_id,
            data={"topic_id": topic.pk, "mentioned": mentioned},
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_edited", post_id=post.pk
        )
    return post


def _count_visible_delta(post: Post, *, delta: int) -> None:
    _touch(
        post.topic_id,
        post_count=F("post_count") + delta,
        score=F("score") + delta if post.position != 1 else F("score"),
    )


def delete_post(guardian: Guardian, post: Post) -> Post:
    """Soft-delete a post (its place in the thread stays, its text goes). Deleting the opening post
    deletes the topic. A deleted accepted answer stops being accepted. Locks the topic row.
    Errors: NotFound, PermissionDenied. Broadcasts `topic/post_deleted` (or `topic/deleted`).
    """
    guardian.ensure_can_delete_post(post)
    _write_limit(guardian)
    now = timezone.now()
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.deleted_at is not None:
            raise guardian.deny("This post is already deleted.")
        Post.objects.filter(pk=post.pk).update(deleted_at=now)
        post.deleted_at = now
        if post.position == 1:
            _touch(topic.pk, deleted_at=now)
            post.topic.deleted_at = now
            op = "deleted"
        else:
            if not current.hidden:
                _count_visible_delta(post, delta=-1)
            else:
                _touch(topic.pk)
            if topic.accepted_post_id == post.pk:
                _touch(topic.pk, accepted_post=None)
                post.topic.accepted_post_id = None
            op = "post_deleted"
        search.unindex_post(post.pk)
        record_activity(
            guardian.user, "post.deleted", post, space_id=topic.space_id, data={"topic_id": topic.pk}
        )
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op=op, post_id=post.pk)
    return post


def hide_post(guardian: Guardian, post: Post, *, reason: str = "") -> Post:
    """Moderators hide a post (the author and moderators still see it). Hiding the opening post hides
    the topic. Errors: NotFound, PermissionDenied, Invalid (already hidden). Broadcasts `topic/post_hidden`."""
    guardian.ensure_can_moderate_topic(post.topic)
    _write_limit(guardian)
    if post.hidden:
        raise Invalid("This post is already hidden.")
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        Post.objects.filter(pk=post.pk).update(hidden=True)
        post.hidden = True
        if post.position == 1:
            _touch(topic.pk, hidden=True)
            post.topic.hidden = True
        elif post.deleted_at is None:
            _count_visible_delta(post, delta=-1)
            if topic.accepted_post_id == post.pk:
                _touch(topic.pk, accepted_post=None)
                post.topic.accepted_post_id = None
        else:
            _touch(topic.pk)
        search.unindex_post(post.pk)
        record_activity(
            guardian.user,
            "post.hidden",
            post,
            space_id=topic.space_id,
            data={"topic_id": topic.pk, "reason": reason[:200]},
        )
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_hidden", post_id=post.pk
        )
    return post


def restore_post(guardian: Guardian, post: Post) -> Post:
    """Moderators undo a hide or a delete. Restoring the opening post restores the topic.
    Errors: NotFound, PermissionDenied, Invalid (nothing to restore). Broadcasts `topic/post_restored`."""
    guardian.ensure_can_moderate_topic(post.topic)
    _write_limit(guardian)
    if not post.hidden and post.deleted_at is None:
        raise Invalid("This post is neither hidden nor deleted.")
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        Post.objects.filter(pk=post.pk).update(hidden=False, deleted_at=None)
        post.hidden = False
        post.deleted_at = None
        if post.position == 1:
            _touch(topic.pk, hidden=False, deleted_at=None)
            post.topic.hidden = False
            post.topic.deleted_at = None
        else:
            _count_visible_delta(post, delta=1)
        search.index_post(post, title=topic.title)
        record_activity(
            guardian.user, "post.restored", post, space_id=topic.space_id, data={"topic_id": topic.pk}
        )
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_restored", post_id=post.pk
        )
    return post


def opening_post(topic: Topic) -> Post:
    return Post.objects.select_related("topic__space").get(topic=topic, position=1)


def hide_topic(guardian: Guardian, topic: Topic, *, reason: str = "") -> Topic:
    """Hide the whole topic (through its opening post)."""
    post = opening_post(topic)
    post.topic = topic
    hide_post(guardian, post, reason=reason)
    return topic


def restore_topic(guardian: Guardian, topic: Topic) -> Topic:
    post = opening_post(topic)
    post.topic = topic
    restore_post(guardian, post)
    return topic


# --- moderation of topics ------------------------------------------------------------------------
def _set_topic_state(guardian: Guardian, topic: Topic, verb: str, **changes: object) -> Topic:
    _write_limit(guardian)
    with transaction.atomic():
        _lock_topic(topic)
        _touch(topic.pk, **changes)
        for name, value in changes.items():
            setattr(topic, name, value)
        record_activity(guardian.user, f"topic.{verb}", topic, space_id=topic.space_id)
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op=verb)
    return topic


def pin_topic(guardian: Guardian, topic: Topic, *, scope: str = Topic.PIN_SPACE) -> Topic:
    """Pin in the space (space moderators) or site-wide (community moderators).
    Errors: NotFound, PermissionDenied, Invalid (unknown scope). Broadcasts `topic/pinned`."""
    guardian.ensure_can_moderate_topic(topic)
    if scope not in (Topic.PIN_SPACE, Topic.PIN_SITE):
        raise Invalid("Pin in the space or site-wide.", field_errors={"scope": ["Not a valid choice."]})
    if scope == Topic.PIN_SITE and not guardian.can_pin_site_wide():
        raise guardian.deny("Only community moderators pin topics site-wide.")
    return _set_topic_state(guardian, topic, "pinned", pinned=scope, pinned_at=timezone.now())


def unpin_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.ensure_can_moderate_topic(topic)
    if not topic.pinned:
        raise Invalid("This topic is not pinned.")
    if topic.pinned == Topic.PIN_SITE and not guardian.can_pin_site_wide():
        raise guardian.deny("Only community moderators unpin site-wide topics.")
    return _set_topic_state(guardian, topic, "unpinned", pinned=Topic.NOT_PINNED, pinned_at=None)


def lock_topic(guardian: Guardian, topic: Topic) -> Topic:
    """No new replies, edits or reactions from members. Errors: NotFound, PermissionDenied, Invalid."""
    guardian.ensure_can_moderate_topic(topic)
    if topic.locked:
        raise Invalid("This topic is already locked.")
    return _set_topic_state(guardian, topic, "locked", locked=True)


def unlock_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.ensure_can_moderate_topic(topic)
    if not topic.locked:
        raise Invalid("This topic is not locked.")
    return _set_topic_state(guardian, topic, "unlocked", locked=False)


def close_topic(guardian: Guardian, topic: Topic) -> Topic:
    """No new replies; edits and reactions stay open. Errors: NotFound, PermissionDenied, Invalid."""
    guardian.ensure_can_moderate_topic(topic)
    if topic.closed:
        raise Invalid("This topic is already closed.")
    return _set_topic_state(guardian, topic, "closed", closed=True)


def reopen_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.ensure_can_moderate_topic(topic)
    if not topic.closed:
        raise Invalid("This topic is not closed.")
    return _set_topic_state(guardian, topic, "reopened", closed=False)


def move_topic(guardian: Guardian, topic: Topic, *, to_space: Space) -> Topic:
    """Move a topic to another space the moderator also moderates. A space pin does not travel.
    Errors: NotFound (either space unseen), PermissionDenied, Invalid (same space, archived).
    Broadcasts `topic/moved` to both spaces."""
    guardian.ensure_can_moderate_topic(topic)
    if not guardian.can_view_space(to_space):
        raise guardian.not_found()
    if to_space.pk == topic.space_id:
        raise Invalid("The topic is already in that space.", field_errors={"space": ["Same space."]})
    if to_space.archived_at is not None:
        raise Invalid("That space is archived.", field_errors={"space": ["Archived."]})
    if not guardian.can_moderate_space(to_space):
        raise guardian.deny("You can only move topics into spaces you moderate.")
    _write_limit(guardian)
    old_space_id = topic.space_id
    with transaction.atomic():
        _lock_topic(topic)
        changes: dict[str, object] = {"space_id": to_space.pk}
        if topic.pinned == Topic.PIN_SPACE:
            changes.update(pinned=Topic.NOT_PINNED, pinned_at=None)
        _touch(topic.pk, **changes)
        topic.space = to_space
        if "pinned" in changes:
            topic.pinned, topic.pinned_at = Topic.NOT_PINNED, None
        record_activity(
            guardian.user, "topic.moved", topic, space_id=to_space.pk, data={"from_space_id": old_space_id}
        )
        broadcasts.topic_changed(
            space_id=old_space_id, topic_id=topic.pk, op="moved", to_space_id=to_space.pk
        )
        broadcasts.topic_changed(space_id=to_space.pk, topic_id=topic.pk, op="moved", to_space_id=to_space.pk)
    return topic


def accept_answer(guardian: Guardian, topic: Topic, post: Post) -> Topic:
    """Mark a reply as the accepted answer of a question (replacing any previous one).
    Errors: NotFound, PermissionDenied (not the asker/moderator; not a question), Invalid (the opening
    post, a post from another topic, a removed post). Broadcasts `topic/answer_accepted`."""
    guardian.ensure_can_accept_answer(topic)
    _write_limit(guardian)
    if post.topic_id != topic.pk:
        raise Invalid("That post is not in this topic.")
    if post.position == 1:
        raise Invalid("The question itself cannot be its answer.")
    if post.deleted_at is not None or post.hidden:
        raise Invalid("That post has been removed.")
    with transaction.atomic():
        _lock_topic(topic)
        _touch(topic.pk, accepted_post=post)
        topic.accepted_post = post
        record_activity(
            guardian.user, "answer.accepted", post, space_id=topic.space_id,
            data={"topic_id": topic.pk, "answerer_id": post.author_id},
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="answer_accepted", post_id=post.pk
        )
    return topic


def unaccept_answer(guardian: Guardian, topic: Topic) -> Topic:
    guardian.ensure_can_accept_answer(topic)
    if topic.accepted_post_id is None:
        raise Invalid("This question has no accepted answer.")
    with transaction.atomic():
        _lock_topic(topic)
        _touch(topic.pk, accepted_post=None)
        topic.accepted_post = None
        record_activity(guardian.user, "answer.unaccepted", topic, space_id=topic.space_id)
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op="answer_unaccepted")
    return topic


# --- reactions -----------------------------------------------------------------------------------
def allowed_emoji() -> list[str]:
    return [choice.emoji for choice in reaction_choices()]


def react(guardian: Guardian, post: Post, *, emoji: str) -> Reaction:
    """Add one of the admin-chosen reactions (idempotent). Errors: NotFound, PermissionDenied,
    Invalid (not in the set). Broadcasts `topic/reacted`."""
    guardian.ensure_can_react(post)
    _write_limit(guardian)
    if emoji not in allowed_emoji():
        raise Invalid(
            "That reaction is not available here.", field_errors={"emoji": ["Not an available reaction."]}
        )
    with transaction.atomic():
        reaction, created = Reaction.objects.get_or_create(post=post, user=guardian.user, emoji=emoji)
        if created:
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
            _touch(post.topic_id, reaction_count=F("reaction_count") + 1, score=F("score") + 1)
            record_activity(
                guardian.user, "reaction.added", post, space_id=post.topic.space_id,
                data={"emoji": emoji, "topic_id": post.topic_id, "author_id": post.author_id},
            )  # fmt: skip
            broadcasts.topic_changed(
                space_id=post.topic.space_id, topic_id=post.topic_id, op="reacted", post_id=post.pk
            )
    return reaction


def unreact(guardian: Guardian, post: Post, *, emoji: str) -> None:
    """Remove the caller's reaction. Errors: NotFound, PermissionDenied, Invalid (none to remove)."""
    guardian.ensure_can_react(post)
    _write_limit(guardian)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(post=post, user=guardian.user, emoji=emoji).delete()
        if not deleted:
            raise Invalid("You have not reacted with that.")
        Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") - 1)
        _touch(post.topic_id, reaction_count=F("reaction_count") - 1, score=F("score") - 1)
        record_activity(
            guardian.user, "reaction.removed", post, space_id=post.topic.space_id, data={"emoji": emoji}
        )
        broadcasts.topic_changed(
            space_id=post.topic.space_id, topic_id=post.topic_id, op="unreacted", post_id=post.pk
        )


# --- read state, follows, drafts ------------------------------------------------------------------
def mark_read(guardian: Guardian, topic: Topic, *, position: int) -> int:
    """Record that the reader has seen posts up to `position` (never moving backwards).

    When the mark advances, the previous mark becomes `last_visit_position` (the "new since your last
    visit" divider). Returns the highest position read. Anonymous readers are ignored (returns 0).
    One UPDATE when advancing; otherwise one get_or_create.
    """
    if guardian.user is None:
        return 0
    guardian.ensure_can_view_topic(topic)
    position = max(0, min(int(position), topic.last_position))
    updated = TopicRead.objects.filter(
        user_id=_me(guardian), topic_id=topic.pk, highest_position_read__lt=position
    ).update(highest_position_read=position, last_visit_position=F("highest_position_read"))
    if updated:
        return position
    read, _ = TopicRead.objects.get_or_create(
        user_id=_me(guardian),
        topic_id=topic.pk,
        defaults={"highest_position_read": position, "last_visit_position": 0},
    )
    return read.highest_position_read


def _clean_level(level: str) -> str:
    if level not in dict(FOLLOW_LEVELS):
        raise Invalid("Choose watching, normal or muted.", field_errors={"level": ["Not a valid choice."]})
    return level


def set_topic_follow_level(guardian: Guardian, topic: Topic, *, level: str) -> TopicFollow:
    """Watching / normal / muted for one topic (muted topics leave the lists). Errors: NotFound,
    PermissionDenied (anonymous), Invalid."""
    guardian.ensure_can_track()
    guardian.ensure_can_view_topic(topic)
    level = _clean_level(level)
    _write_limit(guardian)
    follow, _ = TopicFollow.objects.update_or_create(
        user=guardian.user, topic=topic, defaults={"level": level}
    )
    return follow


def set_space_follow_level(guardian: Guardian, space: Space, *, level: str) -> SpaceFollow:
    """Watching / normal / muted for a whole space (muted spaces leave Latest/Unread/Top)."""
    guardian.ensure_can_track()
    if not guardian.can_read_space(space):
        raise guardian.not_found()
    level = _clean_level(level)
    _write_limit(guardian)
    follow, _ = SpaceFollow.objects.update_or_create(
        user=guardian.user, space=space, defaults={"level": level}
    )
    return follow


def save_draft(
    guardian: Guardian, *, topic: Topic | None = None, space: Space | None = None, body: str, title: str = ""
) -> Draft | None:
    """Save (or, when empty, discard) the caller's draft of a reply (topic) or a new topic (space)."""
    guardian.ensure_can_track()
    if (topic is None) == (space is None):
        raise Invalid("A draft belongs to a topic or to a space.")
    if topic is not None:
        guardian.ensure_can_view_topic(topic)
    elif space is not None and not guardian.can_read_space(space):
        raise guardian.not_found()
    if len(body) > BODY_MAX:
        raise Invalid(f"Keep posts under {BODY_MAX:,} characters.", field_errors={"body": ["Too long."]})
    title = (title or "")[:TITLE_MAX]
    _write_limit(guardian)
    if not body.strip() and not title.strip():
        discard_draft(guardian, topic=topic, space=space)
        return None
    draft, _ = Draft.objects.update_or_create(
        user=guardian.user, topic=topic, space=space, defaults={"body": body, "title": title}
    )
    return draft


def discard_draft(guardian: Guardian, *, topic: Topic | None = None, space: Space | None = None) -> None:
    guardian.ensure_can_track()
    Draft.objects.filter(user_id=_me(guardian), topic=topic, space=space).delete()
