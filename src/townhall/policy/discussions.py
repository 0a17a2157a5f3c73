"""Rules about topics and posts. Reading follows the space (`spaces.read`); writing follows posting
rules plus the topic's state (locked, closed, hidden, deleted).

- locked: frozen by a moderator: no replies, edits or reactions from members;
- closed: finished (e.g. answered): no new replies, but edits and reactions are fine;
- hidden: seen only by the space's moderators and its author;
- deleted (soft): seen only by moderators.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from townhall.discussions.models import Post, Topic, Upload
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space

# How long an author may take back their own deletion ("Post deleted. Undo"). The page shows the button
# for a few seconds (core.undo); this is the rule, with room for a slow connection.
UNDO_WINDOW = timedelta(seconds=30)


class DiscussionRules(RuleGroup):
    # --- reading ---------------------------------------------------------------------------------
    @rule
    def view_topic(self, topic: Topic) -> Refusal | None:
        if not self.g.spaces.read.can(topic.space):
            return UNSEEN
        if topic.deleted_at is not None:
            return None if self._moderates(topic) else UNSEEN
        if topic.hidden and not (self._moderates(topic) or self._is_author(topic.author_id)):
            return UNSEEN
        return None

    def visible_topics(self, qs: QuerySet[Topic]) -> QuerySet[Topic]:
        """Topics in readable spaces that are neither deleted nor hidden (moderation queues are separate)."""
        readable = self.g.spaces.readable(Space.objects.all()).values("pk")
        qs = qs.filter(space_id__in=readable, deleted_at__isnull=True)
        if self.g.user_id is not None:
            return qs.filter(Q(hidden=False) | Q(author_id=self.g.user_id))
        return qs.filter(hidden=False)

    @rule
    def view_post_body(self, post: Post) -> Refusal | None:
        """Hidden and deleted posts keep their place in the thread but not their text."""
        if post.deleted_at is not None:
            return refuse("This post has been deleted.")
        if post.hidden and not (self._moderates(post.topic) or self._is_author(post.author_id)):
            return refuse("A moderator has hidden this post.")
        return None

    @rule
    def fetch_upload(self, upload: Upload) -> Refusal | None:
        """A file attached to a post follows the post; one not yet attached, its uploader and the space's
        readers. In a chat space only the uploader: chat serves a message's files under that message's
        rule (policy.chat.fetch_attachment), a deleted one's included."""
        if upload.post_id is not None:
            post = upload.post
            assert post is not None
            unseen = self.view_topic(post.topic) or self.view_post_body(post)
            return UNSEEN if unseen is not None else None
        if self._is_author(upload.uploader_id):
            return None
        if upload.space.kind == "chat":
            return UNSEEN
        return None if self.g.spaces.read.can(upload.space) else UNSEEN

    # --- writing ---------------------------------------------------------------------------------
    @rule
    def create_topic(self, space: Space) -> Refusal | None:
        """Start a topic: in a discussion space one may post in (a chat or a conversation holds messages)."""
        refusal = self.g.spaces.post(space)
        if refusal is not None:
            return refusal
        if space.kind != Space.DEFAULT_KIND:
            return refuse("Topics are started in discussion spaces; this space holds other things.")
        return None

    @rule
    def create_announcement(self, space: Space) -> Refusal | None:
        return None if self.g.spaces.moderate.can(space) else refuse("Only moderators post announcements.")

    @rule
    def reply(self, topic: Topic) -> Refusal | None:
        unseen = self.view_topic(topic)
        if unseen is not None:
            return unseen
        space_refusal = self.g.spaces.post(topic.space)
        if space_refusal is not None:
            return space_refusal
        if topic.deleted_at is not None:
            return refuse("This topic has been deleted.")
        moderator = self._moderates(topic)
        if topic.locked and not moderator:
            return refuse("This topic is locked, so nobody can reply.")
        if topic.closed and not moderator:
            return refuse("This topic is closed for new replies.")
        if topic.hidden and not moderator:
            return refuse("This topic is hidden by a moderator.")
        return None

    @rule
    def edit_post(self, post: Post) -> Refusal | None:
        topic = post.topic
        unseen = self.view_topic(topic)
        if unseen is not None:
            return unseen
        g = self.g
        if g.user is None:
            return refuse("Sign in to edit posts.")
        if post.deleted_at is not None:
            return refuse("This post has been deleted.")
        if self._moderates(topic):
            return None
        if post.author_id != g.user_id:
            return refuse("You can only edit your own posts.")
        if not g.is_member:
            return refuse("Your membership does not allow editing right now.")
        if topic.locked:
            return refuse("This topic is locked.")
        if post.hidden:
            return refuse("A moderator has hidden this post.")
        return None

    @rule
    def delete_post(self, post: Post) -> Refusal | None:
        """Authors delete their own posts (soft); moderators hide instead, and may also delete."""
        unseen = self.view_topic(post.topic)
        if unseen is not None:
            return unseen
        if post.deleted_at is not None:
            return refuse("This post is already deleted.")
        g = self.g
        if g.user is not None and self._moderates(post.topic):
            return None
        if post.author_id != g.user_id or g.user is None:
            return refuse("You can only delete your own posts.")
        if not g.is_member or post.topic.locked:
            return refuse("You cannot delete this post now.")
        return None

    @rule
    def undelete_post(self, post: Post) -> Refusal | None:
        """Take back a deletion: moderators at any time; authors their own deletion (not a moderator's)
        within UNDO_WINDOW, while they may still write. The topic of a deleted opening post stays unseen
        to everyone else, exactly as if it were missing."""
        topic = post.topic
        if not self.g.spaces.read.can(topic.space):
            return UNSEEN
        g = self.g
        own = g.user is not None and self._is_author(post.author_id) and post.deleted_by_id == g.user_id
        moderator = g.user is not None and self._moderates(topic)
        opening_taken_back = post.position == 1 and own  # the author deleted the topic a moment ago
        if topic.deleted_at is not None and not (moderator or opening_taken_back):
            return UNSEEN
        if topic.hidden and not (moderator or self._is_author(topic.author_id)):
            return UNSEEN
        if post.deleted_at is None:
            return refuse("This post is not deleted.")
        if moderator:
            return None
        if not own:
            return refuse("Only a moderator can bring this post back.")
        if not g.is_member or topic.locked:
            return refuse("You cannot bring this post back now.")
        if timezone.now() - post.deleted_at > UNDO_WINDOW:
            return refuse("It is too late to undo that; ask a moderator to bring the post back.")
        return None

    @rule
    def view_revisions(self, post: Post) -> Refusal | None:
        return self.view_topic(post.topic) or self.view_post_body(post)

    # --- moderation ------------------------------------------------------------------------------
    def _moderates(self, topic: Topic) -> bool:
        return self.g.spaces.moderate.can(topic.space)

    def _is_author(self, author_id: int | None) -> bool:
        return self.g.user_id is not None and author_id == self.g.user_id

    @rule
    def moderate_topic(self, topic: Topic) -> Refusal | None:
        unseen = self.view_topic(topic)
        if unseen is not None:
            return unseen
        return None if self._moderates(topic) else refuse("Only this space's moderators can do that.")

    @rule
    def pin_site_wide(self) -> Refusal | None:
        return None if self.g.is_moderator else refuse("Only community moderators pin topics site-wide.")

    @rule
    def move_topic(self, topic: Topic, to_space: Space) -> Refusal | None:
        """Move a topic into another space: moderators of both."""
        refusal = self.moderate_topic(topic)
        if refusal is not None:
            return refusal
        if not self.g.spaces.view.can(to_space):
            return UNSEEN
        if not self.g.spaces.moderate.can(to_space):
            return refuse("You can only move topics into spaces you moderate.")
        return None

    @rule
    def accept_answer(self, topic: Topic) -> Refusal | None:
        unseen = self.view_topic(topic)
        if unseen is not None:
            return unseen
        if topic.kind != Topic.QUESTION:
            return refuse("Only question topics have an accepted answer.")
        g = self.g
        if g.user is not None and topic.deleted_at is None:
            if self._moderates(topic):
                return None
            if self._is_author(topic.author_id) and g.is_member and not topic.locked:
                return None
        return refuse("Only the person who asked or a moderator can choose the accepted answer.")

    # --- curating the reaction set and tags (community settings) -----------------------------------
    @rule
    def manage_reactions(self) -> Refusal | None:
        """Add, remove and reorder the reactions members can give: the community's admins."""
        return None if self.g.is_admin else refuse("Only admins can change the reaction set.")

    @rule
    def manage_tags(self) -> Refusal | None:
        """Rename, merge and delete tags: the community's admins."""
        return None if self.g.is_admin else refuse("Only admins can rename, merge or delete tags.")

    # --- reacting, following, reading state --------------------------------------------------------
    @rule
    def react(self, post: Post) -> Refusal | None:
        topic = post.topic
        unseen = self.view_topic(topic)
        if unseen is not None:
            return unseen
        g = self.g
        if g.user is None:
            return refuse("Sign in to react.")
        if not g.is_member:
            return refuse("Only active members can react.")
        if post.deleted_at is not None or post.hidden:
            return refuse("You cannot react to a removed post.")
        if topic.locked and not self._moderates(topic):
            return refuse("This topic is locked.")
        return None

    @rule
    def track_space(self, space: Space) -> Refusal | None:
        """Follow a space or keep a draft of a new topic in it: its content must be readable."""
        signed_out = self.track()
        if signed_out is not None:
            return signed_out
        return None if self.g.spaces.read.can(space) else UNSEEN

    @rule
    def track(self) -> Refusal | None:
        """Read state, follow levels and drafts belong to a signed-in person."""
        return None if self.g.user is not None else refuse("Sign in first.")
