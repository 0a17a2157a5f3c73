"""Rules about topics and posts. Reading follows the space (`can_read_space`); writing follows posting
rules plus the topic's state (locked, closed, hidden, deleted).

- locked: frozen by a moderator: no replies, edits or reactions from members;
- closed: finished (e.g. answered): no new replies, but edits and reactions are fine;
- hidden: seen only by the space's moderators and its author;
- deleted (soft): seen only by moderators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from townhall.policy.base import GuardianBase

if TYPE_CHECKING:
    from townhall.discussions.models import Post, Topic
    from townhall.spaces.models import Space


class DiscussionRules(GuardianBase):
    # --- reading ---------------------------------------------------------------------------------
    def can_view_topic(self, topic: Topic) -> bool:
        space = topic.space
        if not self.can_read_space(space):  # type: ignore[attr-defined]
            return False
        if topic.deleted_at is not None:
            return self.can_moderate_topic(topic)
        if topic.hidden:
            return self.can_moderate_topic(topic) or (
                self.user_id is not None and topic.author_id == self.user_id
            )
        return True

    def ensure_can_view_topic(self, topic: Topic) -> None:
        if not self.can_view_topic(topic):
            raise self.not_found()

    def visible_topics(self, qs: QuerySet[Topic]) -> QuerySet[Topic]:
        """Topics in readable spaces that are neither deleted nor hidden (moderation queues are separate)."""
        from townhall.spaces.models import Space

        readable = self.readable_spaces(Space.objects.all()).values("pk")  # type: ignore[attr-defined]
        qs = qs.filter(space_id__in=readable, deleted_at__isnull=True)
        if self.user_id is not None:
            return qs.filter(Q(hidden=False) | Q(author_id=self.user_id))
        return qs.filter(hidden=False)

    def can_view_post_body(self, post: Post) -> bool:
        """Hidden and deleted posts keep their place in the thread but not their text."""
        if post.deleted_at is not None:
            return False
        if post.hidden:
            return self.can_moderate_topic(post.topic) or (
                self.user_id is not None and post.author_id == self.user_id
            )
        return True

    # --- writing ---------------------------------------------------------------------------------
    def can_create_topic(self, space: Space) -> bool:
        return self.can_post_in_space(space)  # type: ignore[attr-defined]

    def ensure_can_create_topic(self, space: Space) -> None:
        self.ensure_can_post_in_space(space)  # type: ignore[attr-defined]

    def can_create_announcement(self, space: Space) -> bool:
        return self.can_moderate_space(space)  # type: ignore[attr-defined]

    def _reply_refusal(self, topic: Topic) -> str | None:
        space_refusal = self._post_refusal(topic.space)  # type: ignore[attr-defined]
        if space_refusal:
            return str(space_refusal)
        if topic.deleted_at is not None:
            return "This topic has been deleted."
        moderator = self.can_moderate_topic(topic)
        if topic.locked and not moderator:
            return "This topic is locked, so nobody can reply."
        if topic.closed and not moderator:
            return "This topic is closed for new replies."
        if topic.hidden and not moderator:
            return "This topic is hidden by a moderator."
        return None

    def can_reply(self, topic: Topic) -> bool:
        return self._reply_refusal(topic) is None

    def ensure_can_reply(self, topic: Topic) -> None:
        self.ensure_can_view_topic(topic)
        reason = self._reply_refusal(topic)
        if reason:
            raise self.deny(reason)

    def _edit_refusal(self, post: Post) -> str | None:
        topic = post.topic
        if self.user is None:
            return "Sign in to edit posts."
        if post.deleted_at is not None:
            return "This post has been deleted."
        if self.can_moderate_topic(topic):
            return None
        if post.author_id != self.user_id:
            return "You can only edit your own posts."
        if not self.is_member:
            return "Your membership does not allow editing right now."
        if topic.locked:
            return "This topic is locked."
        if post.hidden:
            return "A moderator has hidden this post."
        return None

    def can_edit_post(self, post: Post) -> bool:
        return self._edit_refusal(post) is None

    def ensure_can_edit_post(self, post: Post) -> None:
        self.ensure_can_view_topic(post.topic)
        reason = self._edit_refusal(post)
        if reason:
            raise self.deny(reason)

    def can_delete_post(self, post: Post) -> bool:
        """Authors delete their own posts (soft); moderators hide instead, and may also delete."""
        if post.deleted_at is not None or self.user is None:
            return False
        if self.can_moderate_topic(post.topic):
            return True
        return post.author_id == self.user_id and self.is_member and not post.topic.locked

    def ensure_can_delete_post(self, post: Post) -> None:
        self.ensure_can_view_topic(post.topic)
        if post.deleted_at is not None:
            raise self.deny("This post is already deleted.")
        if not self.can_delete_post(post):
            if post.author_id != self.user_id:
                raise self.deny("You can only delete your own posts.")
            raise self.deny("You cannot delete this post now.")

    def can_view_revisions(self, post: Post) -> bool:
        return self.can_view_post_body(post)

    # --- moderation ------------------------------------------------------------------------------
    def can_moderate_topic(self, topic: Topic) -> bool:
        return self.can_moderate_space(topic.space)  # type: ignore[attr-defined]

    def ensure_can_moderate_topic(self, topic: Topic) -> None:
        self.ensure_can_view_topic(topic)
        if not self.can_moderate_topic(topic):
            raise self.deny("Only this space's moderators can do that.")

    def can_pin_site_wide(self) -> bool:
        return self.is_moderator

    def can_accept_answer(self, topic: Topic) -> bool:
        if topic.kind != "question" or self.user is None or topic.deleted_at is not None:
            return False
        if self.can_moderate_topic(topic):
            return True
        return topic.author_id == self.user_id and self.is_member and not topic.locked

    def ensure_can_accept_answer(self, topic: Topic) -> None:
        self.ensure_can_view_topic(topic)
        if topic.kind != "question":
            raise self.deny("Only question topics have an accepted answer.")
        if not self.can_accept_answer(topic):
            raise self.deny("Only the person who asked or a moderator can choose the accepted answer.")

    # --- reacting, following, reading state --------------------------------------------------------
    def can_react(self, post: Post) -> bool:
        topic = post.topic
        if self.user is None or not self.is_member or post.deleted_at is not None or post.hidden:
            return False
        return not topic.locked or self.can_moderate_topic(topic)

    def ensure_can_react(self, post: Post) -> None:
        self.ensure_can_view_topic(post.topic)
        if self.user is None:
            raise self.deny("Sign in to react.")
        if not self.is_member:
            raise self.deny("Only active members can react.")
        if post.deleted_at is not None or post.hidden:
            raise self.deny("You cannot react to a removed post.")
        if not self.can_react(post):
            raise self.deny("This topic is locked.")

    def ensure_can_track(self) -> None:
        """Read state, follow levels and drafts belong to a signed-in person."""
        if self.user is None:
            raise self.deny("Sign in first.")
