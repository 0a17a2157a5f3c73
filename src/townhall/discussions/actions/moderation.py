"""Moderating topics and posts: hide and restore, pin, lock, close, move, accepted answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions import broadcasts
from townhall.discussions.actions._common import (
    _count_visible_delta,
    _lock_topic,
    _participants,
    _touch,
    _write_limit,
    opening_post,
)
from townhall.discussions.events import (
    AnswerAccepted,
    AnswerAcceptedData,
    InTopic,
    PostHiddenData,
    PostRemoved,
    PostRestored,
    TopicMoved,
    TopicMovedData,
    TopicStateChanged,
)
from townhall.discussions.models import (
    Post,
    Topic,
)
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian


REASON_MAX = 200


def hide_post(guardian: Guardian, post: Post, *, reason: str = "") -> Post:
    """Moderators hide a post (the author and moderators still see it). Hiding the opening post hides
    the topic. Locks the topic and the post, and decides on the locked rows (two moderators hiding at
    once hide it once). Errors: NotFound, PermissionDenied, Invalid (already hidden; reason too long).
    Broadcasts `topic/post_hidden`."""
    guardian.discussions.moderate_topic.ensure(post.topic)
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        msg = f"Keep the reason under {REASON_MAX} characters."
        raise Invalid(msg, field_errors={"reason": [msg]})
    _write_limit(guardian)
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        if current.hidden:
            raise Invalid("This post is already hidden.")
        Post.objects.filter(pk=post.pk).update(hidden=True)
        post.hidden = True
        post.deleted_at = current.deleted_at
        if post.position == 1:
            _touch(topic.pk, hidden=True)
            post.topic.hidden = True
        elif current.deleted_at is None:
            _count_visible_delta(post, delta=-1, participant_ids=_participants(topic))
            if topic.accepted_post_id == post.pk:
                _touch(topic.pk, accepted_post=None)
                post.topic.accepted_post_id = None
        else:
            _touch(topic.pk)
        record_activity(
            guardian.user, "post.hidden", post, space_id=topic.space_id,
            data=PostHiddenData(topic_id=topic.pk, reason=reason),
        )  # fmt: skip
        emit(
            PostRemoved(
                post_id=post.pk, topic_id=topic.pk, space_id=topic.space_id, actor_id=guardian.user_id,
                how="hidden", whole_topic=post.position == 1,
            )
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="post_hidden", post_id=post.pk
        )
    return post


def restore_post(guardian: Guardian, post: Post) -> Post:
    """Moderators undo a hide or a delete. Restoring the opening post restores the topic. Locks the
    topic and the post and decides on the locked rows. Errors: NotFound, PermissionDenied, Invalid
    (nothing to restore). Broadcasts `topic/post_restored`."""
    guardian.discussions.moderate_topic.ensure(post.topic)
    _write_limit(guardian)
    with transaction.atomic():
        topic = _lock_topic(post.topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        if not current.hidden and current.deleted_at is None:
            raise Invalid("This post is neither hidden nor deleted.")
        Post.objects.filter(pk=post.pk).update(hidden=False, deleted_at=None, deleted_by=None)
        post.hidden = False
        post.deleted_at = None
        post.deleted_by_id = None
        if post.position == 1:
            _touch(topic.pk, hidden=False, deleted_at=None)
            post.topic.hidden = False
            post.topic.deleted_at = None
        else:
            _count_visible_delta(post, delta=1, participant_ids=_participants(topic))
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
def _set_topic_state(
    guardian: Guardian, topic: Topic, op: str, *, unless: Callable[[Topic], str | None], **changes: object
) -> Topic:
    """Lock the topic, check `unless(locked_topic)` (a message when the change no longer applies), write."""
    _write_limit(guardian)
    with transaction.atomic():
        locked = _lock_topic(topic)
        already = unless(locked)
        if already:
            raise Invalid(already)
        _touch(topic.pk, **changes)
        for name, value in changes.items():
            setattr(topic, name, value)
        record_activity(guardian.user, f"topic.{op}", topic, space_id=topic.space_id)
        emit(TopicStateChanged(topic_id=topic.pk, space_id=topic.space_id, actor_id=guardian.user_id, op=op))
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op=op)
    return topic


def pin_topic(guardian: Guardian, topic: Topic, *, scope: str = Topic.PIN_SPACE) -> Topic:
    """Pin in the space (space moderators) or site-wide (community moderators).
    Errors: NotFound, PermissionDenied, Invalid (unknown scope). Broadcasts `topic/pinned`."""
    guardian.discussions.moderate_topic.ensure(topic)
    if scope not in (Topic.PIN_SPACE, Topic.PIN_SITE):
        raise Invalid("Pin in the space or site-wide.", field_errors={"scope": ["Not a valid choice."]})
    if scope == Topic.PIN_SITE:
        guardian.discussions.pin_site_wide.ensure()
    return _set_topic_state(
        guardian, topic, "pinned", unless=lambda t: None, pinned=scope, pinned_at=timezone.now()
    )


def unpin_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.discussions.moderate_topic.ensure(topic)
    if topic.pinned == Topic.PIN_SITE:
        guardian.discussions.pin_site_wide.ensure()
    return _set_topic_state(
        guardian,
        topic,
        "unpinned",
        unless=lambda t: None if t.pinned else "This topic is not pinned.",
        pinned=Topic.NOT_PINNED,
        pinned_at=None,
    )


def lock_topic(guardian: Guardian, topic: Topic) -> Topic:
    """No new replies, edits or reactions from members. Errors: NotFound, PermissionDenied, Invalid."""
    guardian.discussions.moderate_topic.ensure(topic)
    return _set_topic_state(
        guardian,
        topic,
        "locked",
        unless=lambda t: "This topic is already locked." if t.locked else None,
        locked=True,
    )


def unlock_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.discussions.moderate_topic.ensure(topic)
    return _set_topic_state(
        guardian,
        topic,
        "unlocked",
        unless=lambda t: None if t.locked else "This topic is not locked.",
        locked=False,
    )


def close_topic(guardian: Guardian, topic: Topic) -> Topic:
    """No new replies; edits and reactions stay open. Errors: NotFound, PermissionDenied, Invalid."""
    guardian.discussions.moderate_topic.ensure(topic)
    return _set_topic_state(
        guardian,
        topic,
        "closed",
        unless=lambda t: "This topic is already closed." if t.closed else None,
        closed=True,
    )


def reopen_topic(guardian: Guardian, topic: Topic) -> Topic:
    guardian.discussions.moderate_topic.ensure(topic)
    return _set_topic_state(
        guardian,
        topic,
        "reopened",
        unless=lambda t: None if t.closed else "This topic is not closed.",
        closed=False,
    )


def move_topic(guardian: Guardian, topic: Topic, *, to_space: Space) -> Topic:
    """Move a topic to another space the moderator also moderates. A space pin does not travel.
    Errors: NotFound (either space unseen), PermissionDenied, Invalid (same space, archived).
    Broadcasts `topic/moved` to both spaces."""
    guardian.discussions.move_topic.ensure(topic, to_space)
    if to_space.pk == topic.space_id:
        raise Invalid("The topic is already in that space.", field_errors={"space": ["Same space."]})
    if to_space.archived_at is not None:
        raise Invalid("That space is archived.", field_errors={"space": ["Archived."]})
    _write_limit(guardian)
    with transaction.atomic():
        locked = _lock_topic(topic)
        old_space_id = locked.space_id
        if old_space_id == to_space.pk:
            raise Invalid("The topic is already in that space.", field_errors={"space": ["Same space."]})
        changes: dict[str, object] = {"space_id": to_space.pk}
        if locked.pinned == Topic.PIN_SPACE:
            changes.update(pinned=Topic.NOT_PINNED, pinned_at=None)
        _touch(topic.pk, **changes)
        topic.space = to_space
        if "pinned" in changes:
            topic.pinned, topic.pinned_at = Topic.NOT_PINNED, None
        record_activity(
            guardian.user, "topic.moved", topic, space_id=to_space.pk, data=TopicMovedData(old_space_id)
        )
        emit(
            TopicMoved(
                topic_id=topic.pk,
                from_space_id=old_space_id,
                to_space_id=to_space.pk,
                actor_id=guardian.user_id,
            )
        )
        broadcasts.topic_changed(
            space_id=old_space_id, topic_id=topic.pk, op="moved", to_space_id=to_space.pk
        )
        broadcasts.topic_changed(space_id=to_space.pk, topic_id=topic.pk, op="moved", to_space_id=to_space.pk)
    return topic


def _answer_refusal(topic: Topic, post: Post) -> str | None:
    if post.topic_id != topic.pk:
        return "That post is not in this topic."
    if post.position == 1:
        return "The question itself cannot be its answer."
    if post.deleted_at is not None or post.hidden:
        return "That post has been removed."
    return None


def accept_answer(guardian: Guardian, topic: Topic, post: Post) -> Topic:
    """Mark a reply as the accepted answer of a question (replacing any previous one). Locks the topic
    and the post and decides on the locked rows. Errors: NotFound, PermissionDenied (not the
    asker/moderator; not a question), Invalid (the opening post, a post from another topic, a removed
    post). Broadcasts `topic/answer_accepted`."""
    guardian.discussions.accept_answer.ensure(topic)
    _write_limit(guardian)
    refusal = _answer_refusal(topic, post)
    if refusal:
        raise Invalid(refusal)
    with transaction.atomic():
        locked = _lock_topic(topic)
        current = Post.objects.select_for_update().get(pk=post.pk)
        guardian.discussions.accept_answer.ensure(locked)
        refusal = _answer_refusal(locked, current)
        if refusal:
            raise Invalid(refusal)
        _touch(topic.pk, accepted_post=post)
        topic.accepted_post = post
        record_activity(
            guardian.user, "answer.accepted", post, space_id=topic.space_id,
            data=AnswerAcceptedData(topic_id=topic.pk, answerer_id=current.author_id),
        )  # fmt: skip
        emit(
            AnswerAccepted(
                topic_id=topic.pk, post_id=post.pk, space_id=topic.space_id, actor_id=guardian.user_id,
                answerer_id=current.author_id,
            )
        )  # fmt: skip
        broadcasts.topic_changed(
            space_id=topic.space_id, topic_id=topic.pk, op="answer_accepted", post_id=post.pk
        )
    return topic


def unaccept_answer(guardian: Guardian, topic: Topic) -> Topic:
    """Withdraw the accepted answer. Locks the topic. Errors: NotFound, PermissionDenied, Invalid."""
    guardian.discussions.accept_answer.ensure(topic)
    with transaction.atomic():
        locked = _lock_topic(topic)
        if locked.accepted_post_id is None:
            raise Invalid("This question has no accepted answer.")
        _touch(topic.pk, accepted_post=None)
        topic.accepted_post = None
        record_activity(guardian.user, "answer.unaccepted", topic, space_id=topic.space_id)
        emit(
            AnswerAccepted(
                topic_id=topic.pk, post_id=None, space_id=topic.space_id, actor_id=guardian.user_id,
                answerer_id=None,
            )
        )  # fmt: skip
        broadcasts.topic_changed(space_id=topic.space_id, topic_id=topic.pk, op="answer_unaccepted")
    return topic
