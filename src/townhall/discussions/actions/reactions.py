"""Reactions to posts, from the admin-chosen set (validation, rows and toggling: content.reactions,
shared with chat)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from townhall.activity.log import record_activity
from townhall.content.reactions import clean_emoji, toggle
from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions import broadcasts
from townhall.discussions.actions._common import (
    _touch,
    _write_limit,
)
from townhall.discussions.events import ReactionChanged, ReactionRemovedData
from townhall.discussions.models import Post, Reaction
from townhall.discussions.queries import POST_REACTIONS
from townhall.discussions.threads import Tally, reaction_added_data

if TYPE_CHECKING:
    from townhall.policy import Guardian


def _reaction_event(guardian: Guardian, post: Post, emoji: str, *, added: bool) -> ReactionChanged:
    return ReactionChanged(
        post_id=post.pk,
        topic_id=post.topic_id,
        space_id=post.topic.space_id,
        actor_id=guardian.user_id,
        post_author_id=post.author_id,
        emoji=emoji,
        added=added,
    )


def react(guardian: Guardian, post: Post, *, emoji: str) -> Reaction:
    """Add one of the admin-chosen reactions (idempotent). Errors: NotFound, PermissionDenied,
    Invalid (not in the set). Broadcasts `topic/reacted`."""
    guardian.discussions.react.ensure(post)
    _write_limit(guardian)
    clean_emoji(emoji)
    assert guardian.user_id is not None  # the rule refuses visitors
    with transaction.atomic():
        reaction, created = POST_REACTIONS.add(target_id=post.pk, user_id=guardian.user_id, emoji=emoji)
        if created:
            Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") + 1)
            tally = Tally()
            tally.reacted()
            _touch(post.topic_id, **tally.increments())
            record_activity(
                guardian.user, "reaction.added", post, space_id=post.topic.space_id,
                data=reaction_added_data(emoji, post.topic_id, post.author_id),
            )  # fmt: skip
            emit(_reaction_event(guardian, post, emoji, added=True))
            broadcasts.topic_changed(
                space_id=post.topic.space_id, topic_id=post.topic_id, op="reacted", post_id=post.pk
            )
    return reaction


def unreact(guardian: Guardian, post: Post, *, emoji: str) -> None:
    """Remove the caller's reaction. Errors: NotFound, PermissionDenied, Invalid (none to remove)."""
    guardian.discussions.react.ensure(post)
    _write_limit(guardian)
    assert guardian.user_id is not None  # the rule refuses visitors
    with transaction.atomic():
        if not POST_REACTIONS.remove(target_id=post.pk, user_id=guardian.user_id, emoji=emoji):
            raise Invalid("You have not reacted with that.")
        Post.objects.filter(pk=post.pk).update(reaction_count=F("reaction_count") - 1)
        tally = Tally()
        tally.reacted(-1)
        _touch(post.topic_id, **tally.increments())
        record_activity(
            guardian.user,
            "reaction.removed",
            post,
            space_id=post.topic.space_id,
            data=ReactionRemovedData(emoji),
        )
        emit(_reaction_event(guardian, post, emoji, added=False))
        broadcasts.topic_changed(
            space_id=post.topic.space_id, topic_id=post.topic_id, op="unreacted", post_id=post.pk
        )


def toggle_reaction(guardian: Guardian, post: Post, *, emoji: str) -> bool:
    """Add the caller's reaction, or remove it when they have already given it. Returns True when the
    reaction is now on the post. Errors: those of react and unreact."""
    guardian.discussions.react.ensure(post)
    assert guardian.user_id is not None  # the rule refuses visitors
    return toggle(
        POST_REACTIONS, target_id=post.pk, user_id=guardian.user_id, emoji=emoji,
        add=lambda: react(guardian, post, emoji=emoji), remove=lambda: unreact(guardian, post, emoji=emoji),
    )  # fmt: skip
