"""Starting topics, replying, editing and deleting posts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.content.mentions import render_post
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions import broadcasts
from townhall.discussions.actions._common import (
    POST_RATE,
    TOPIC_RATE,
    _count_visible_delta,
    _lock_topic,
    _me,
    _participants,
    _participants_after_reply,
    _rate,
    _set_tags,
    _topic_slug,
    _touch,
    _write_limit,
    clean_body,
    clean_kind,
    clean_reply_to,
    clean_tags,
    clean_title,
)
from townhall.discussions.events import (
    InTopic,
    PostCreated,
    PostEdited,
    PostEditedData,
    PostRemoved,
    PostRestored,
    TopicCreated,
)
from townhall.discussions.models import MAX_TREE_DEPTH, Draft, Post, PostRevision, Topic
from townhall.discussions.threads import (
    OPENING_PATH,
    OPENING_POSITION,
    Tally,
    place_reply,
    post_created_data,
    save_author_rows,
    thread_parent,
    topic_created_data,
)
from townhall.discussions.uploads import attach_uploads, upload_file
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian


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
    guardian.discussions.create_topic.ensure(space)
    title = clean_title(title)
    body = clean_body(body)
    tag_names = clean_tags(tags)
    kind = clean_kind(kind)
    if kind == Topic.ANNOUNCEMENT:
        guardian.discussions.create_announcement.ensure(space)
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
            participant_ids=[guardian.user_id],
        )
        post = Post.objects.create(
            topic=topic,
            author=guardian.user,
            position=OPENING_POSITION,
            depth=0,
            path=OPENING_PATH,
            body=body,
            body_html=html,
        )
        topic.last_post_id = post.pk
        tally = Tally()
        tally.opened(now, post.pk)
        _touch(topic.pk, **tally.increments())
        if tag_names:
            _set_tags(topic, tag_names)
        save_author_rows([(_me(guardian), topic.pk, OPENING_POSITION)])
        attach_uploads(post, uploader_id=guardian.user_id, space_id=space.pk)
        Draft.objects.filter(user=guardian.user, space=space).delete()
        record_activity(
            guardian.user, "topic.created", topic, space_id=space.pk,
            data=topic_created_data(kind, post.pk, mentioned),
        )  # fmt: skip
        emit(
            TopicCreated(
                topic_id=topic.pk, post_id=post.pk, space_id=space.pk, actor_id=guardian.user_id,
                kind=kind, mentioned_ids=mentioned,
            )
        )  # fmt: skip
        broadcasts.topic_changed(space_id=space.pk, topic_id=topic.pk, op="created", post_id=post.pk)
    return topic


def create_post(guardian: Guardian, topic: Topic, *, body: str, reply_to: Post | None = None) -> Post:
    """Reply to the topic, or to one of its posts (`reply_to`, threaded under it).

    Locks the topic row to hand out the next position and bump the counters. Replying to the
    opening post counts as replying to the topic. The replier starts watching the topic.
    Errors: NotFound, PermissionDenied (locked/closed/…), Invalid (body; reply_to from another topic or
    removed), RateLimited. Broadcasts `topic/post_created` to the space.
    """
    guardian.discussions.reply.ensure(topic)
    body = clean_body(body)
    clean_reply_to(topic.pk, reply_to)
    ratelimit.hit(f"discussions-post:{guardian.user_id}", _rate("DISCUSSIONS_POST_RATE", POST_RATE))
    html, mentioned = render_post(body)
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_topic(topic)
        guardian.discussions.reply.ensure(locked)  # the state may have changed since the caller read it
        position = locked.last_position + 1
        parent = thread_parent(reply_to)
        depth, path = place_reply(parent, position, max_depth=MAX_TREE_DEPTH)
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
        tally = Tally()
        tally.replied(position, now, post.pk)
        participants = _participants_after_reply(locked, guardian.user_id)
        _touch(locked.pk, **tally.increments(), participant_ids=participants)
        if parent is not None:
            Post.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
        save_author_rows([(_me(guardian), locked.pk, position)])
        attach_uploads(post, uploader_id=guardian.user_id, space_id=locked.space_id)
        Draft.objects.filter(user=guardian.user, topic=locked).delete()
        record_activity(
            guardian.user,
            "post.created",
            post,
            space_id=locked.space_id,
            data=post_created_data(locked.pk, parent, mentioned),
        )
        emit(
            PostCreated(
                post_id=post.pk,
                topic_id=locked.pk,
                space_id=locked.space_id,
                actor_id=guardian.user_id,
                reply_to_author_id=reply_to.author_id if reply_to else None,
                mentioned_ids=mentioned,
            )
        )
        broadcasts.topic_changed(
            space_id=locked.space_id, topic_id=locked.pk, op="post_created", post_id=post.pk
        )
    topic.last_position = position
    topic.post_count = locked.post_count + 1
    topic.last_posted_at = now
    topic.last_post_id = post.pk
    topic.participant_ids = participants
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
    guardian.discussions.edit_post.ensure(post)
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
        attach_uploads(post, uploader_id=post.author_id, space_id=topic.space_id)
        record_activity(
            guardian.user, "post.edited", post, space_id=topic.space_id,
            data=PostEditedData(topic_id=topic.pk, mentioned=mentioned),
        )  # fmt: skip
        emit(
            PostEdited(
                post_id=post.pk, topic_id=topic.pk, space_id=topic.space_id, actor_id=guardian.user_id,
                mentioned_ids=mentioned,
            )
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_edited", post_id=post.pk
        )
    return post


def delete_post(guardian: Guardian, post: Post) -> Post:
    """Soft-delete a post (its place in the thread stays, its text goes). Deleting the opening post
    deletes the topic. A deleted accepted answer stops being accepted. Who deleted it is kept: an author
    may take back their own deletion for a short while (undelete_post). Locks the topic row.
    Errors: NotFound, PermissionDenied. Broadcasts `topic/post_deleted` (or `topic/deleted`).
    """
    guardian.discussions.delete_post.ensure(post)
    _write_limit(guardian)
    now = timezone.now()
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        current.topic = topic
        guardian.discussions.delete_post.ensure(current)  # re-checked on the locked rows
        Post.objects.filter(pk=post.pk).update(deleted_at=now, deleted_by=guardian.user)
        post.deleted_at = now
        post.deleted_by_id = guardian.user_id
        if post.position == 1:
            _touch(topic.pk, deleted_at=now)
            post.topic.deleted_at = now
            op = "deleted"
        else:
            participants = _participants(topic)
            if not current.hidden:
                _count_visible_delta(post, delta=-1, participant_ids=participants)
            else:
                _touch(topic.pk, participant_ids=participants)
            if topic.accepted_post_id == post.pk:
                _touch(topic.pk, accepted_post=None)
                post.topic.accepted_post_id = None
            post.topic.participant_ids = participants
            op = "post_deleted"
        record_activity(guardian.user, "post.deleted", post, space_id=topic.space_id, data=InTopic(topic.pk))
        emit(
            PostRemoved(
                post_id=post.pk, topic_id=topic.pk, space_id=topic.space_id, actor_id=guardian.user_id,
                how="deleted", whole_topic=post.position == 1,
            )
        )  # fmt: skip
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op=op, post_id=post.pk)
    return post


def undelete_post(guardian: Guardian, post: Post) -> Post:
    """Take back a deletion (the "Undo" after deleting): moderators at any time, authors their own
    deletion within the undo window (policy `undelete_post`). Undeleting the opening post brings the
    topic back. An answer that was accepted stays unaccepted. Locks the topic and the post and decides
    on the locked rows. Errors: NotFound, PermissionDenied (not deleted; someone else's deletion; too
    late). Broadcasts `topic/post_restored`.
    """
    guardian.discussions.undelete_post.ensure(post)
    _write_limit(guardian)
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        current.topic = topic
        guardian.discussions.undelete_post.ensure(current)  # re-checked on the locked rows
        Post.objects.filter(pk=post.pk).update(deleted_at=None, deleted_by=None)
        post.deleted_at = None
        post.deleted_by_id = None
        if post.position == 1:
            _touch(topic.pk, deleted_at=None)
            post.topic.deleted_at = None
        else:
            participants = _participants(topic)
            if not current.hidden:
                _count_visible_delta(post, delta=1, participant_ids=participants)
            else:
                _touch(topic.pk, participant_ids=participants)
            post.topic.participant_ids = participants
        record_activity(guardian.user, "post.restored", post, space_id=topic.space_id, data=InTopic(topic.pk))
        emit(
            PostRestored(
                post_id=post.pk, topic_id=topic.pk, space_id=topic.space_id, actor_id=guardian.user_id,
                whole_topic=post.position == 1,
            )
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_restored", post_id=post.pk
        )
    return post


def reply_with_attachment(
    guardian: Guardian,
    topic: Topic,
    *,
    body: str,
    reply_to: Post | None = None,
    file: IO[bytes] | None = None,
    file_name: str = "file",
) -> Post:
    """Reply with an optional file, stored first and linked below the text as Markdown.

    One write from the caller's side: if the reply is refused after the file was stored, the Invalid
    carries the body with the file's link (`field_errors` keep their place), so a form can show it
    again and the file need not be sent twice. Errors: those of upload_file and create_post.
    """
    guardian.discussions.reply.ensure(topic)
    if file is not None:
        upload = upload_file(guardian, topic.space, file=file, name=file_name or "file")
        body = f"{(body or '').rstrip()}\n\n{upload.markdown}"
    try:
        return create_post(guardian, topic, body=body, reply_to=reply_to)
    except Invalid as exc:
        exc.kept["body"] = body
        raise


def create_topic_with_attachment(
    guardian: Guardian,
    space: Space,
    *,
    title: str,
    body: str,
    kind: str = Topic.DISCUSSION,
    tags: Iterable[str] | str = (),
    file: IO[bytes] | None = None,
    file_name: str = "file",
) -> Topic:
    """Start a topic with an optional file, stored first and linked below the text (as replies do).

    The title and tags are checked before the file is stored. If the topic is refused after that, the
    Invalid carries the body with the file's link, so a form can show it again. Errors: those of
    upload_file and create_topic.
    """
    guardian.discussions.create_topic.ensure(space)
    clean_title(title)
    clean_tags(tags)
    if file is not None:
        upload = upload_file(guardian, space, file=file, name=file_name or "file")
        body = f"{(body or '').rstrip()}\n\n{upload.markdown}"
    try:
        return create_topic(guardian, space, title=title, body=body, kind=kind, tags=tags)
    except Invalid as exc:
        exc.kept["body"] = body
        raise
