"""Rules about chat messages. Reading follows the space (`spaces.read`); posting follows the space's
posting rules (`spaces.post`) plus the chat space's own settings:

- announcement_only: only moderators (of the space or the community) post;
- slow_mode_seconds: a member waits that long between two messages; moderators are exempt;
- topic: a short line under the channel's heading, which the space's moderators set.

Moderators of the space pin messages to the channel's Pinned area (deleted ones drop out of it).

Deleted messages keep their place in the channel: everyone sees that a message was deleted, its
moderators still see its text (and may restore it).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from townhall.chat.models import Message
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space

KIND = "chat"
DIRECT = "direct"  # direct conversations (policy.direct) hold messages too, under the same rules
MESSAGE_KINDS = (KIND, DIRECT)


def announcement_only(space: Space) -> bool:
    return bool((space.kind_settings or {}).get("announcement_only"))


def slow_mode_seconds(space: Space) -> int:
    try:
        return max(0, int((space.kind_settings or {}).get("slow_mode_seconds") or 0))
    except (TypeError, ValueError):
        return 0


def topic(space: Space) -> str:
    value = (space.kind_settings or {}).get("topic")
    return value if isinstance(value, str) else ""


ARCHIVED = "This space is archived: its channel is kept as it was."
PROMOTED = "This thread has moved to a discussion topic: reply there."


class ChatRules(RuleGroup):
    def _moderates(self, space: Space) -> bool:
        return self.g.user is not None and self.g.spaces.moderate.can(space)

    # --- reading ---------------------------------------------------------------------------------
    @rule
    def read(self, space: Space) -> Refusal | None:
        """The channel's messages: readable by whoever may read the space (unseen otherwise)."""
        if space.kind not in MESSAGE_KINDS:
            return UNSEEN
        return None if self.g.spaces.read.can(space) else UNSEEN

    @rule
    def view_message(self, message: Message) -> Refusal | None:
        return self.read(message.space)

    @rule
    def view_message_body(self, message: Message) -> Refusal | None:
        """A deleted message shows as "message deleted", except to the space's moderators."""
        if message.deleted_at is not None and not self._moderates(message.space):
            return refuse("This message has been deleted.")
        return None

    def visible_messages(self, qs: QuerySet[Message]) -> QuerySet[Message]:
        """Messages of chat spaces this person may read (`read`, in SQL; deleted ones keep their place)."""
        readable = self.g.spaces.readable(Space.objects.filter(kind__in=MESSAGE_KINDS)).values("pk")
        return qs.filter(space_id__in=readable)

    # --- writing ---------------------------------------------------------------------------------
    @rule
    def post(self, space: Space) -> Refusal | None:
        """Send a message: the space's posting rules, and announcement-only channels for moderators."""
        unseen = self.read(space)
        if unseen is not None:
            return unseen
        refusal = self.g.spaces.post(space)
        if refusal is not None:
            return refusal
        if announcement_only(space) and not self._moderates(space):
            return refuse("This is an announcement channel: only moderators post here.")
        if space.kind == DIRECT:
            return self.g.direct.send(space)
        return None

    def slow_mode_wait(self, space: Space) -> int:
        """Seconds this person must still wait before their next message (0: may send now)."""
        seconds = slow_mode_seconds(space)
        if not seconds or self.g.user is None or self._moderates(space):
            return 0
        last = (
            Message.objects.filter(space_id=space.pk, author_id=self.g.user_id)
            .order_by("-id")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is None:
            return 0
        left = seconds - (timezone.now() - last).total_seconds()
        return max(0, int(left + 0.999))

    @rule
    def send_now(self, space: Space) -> Refusal | None:
        """Slow mode: one message per N seconds per member (moderators exempt)."""
        wait = self.slow_mode_wait(space)
        if wait:
            unit = "second" if wait == 1 else "seconds"
            return refuse(f"Slow mode is on: wait {wait} {unit} before sending another message.")
        return None

    @rule
    def edit(self, message: Message) -> Refusal | None:
        """Authors edit their own messages while they may still post in the space."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if self.g.user is None:
            return refuse("Sign in to edit messages.")
        if message.deleted_at is not None:
            return refuse("This message has been deleted.")
        if message.author_id != self.g.user_id:
            return refuse("You can only edit your own messages.")
        if not self.g.is_member:
            return refuse("Your membership does not allow editing right now.")
        if message.space.archived_at is not None:
            return refuse(ARCHIVED)
        return None

    @rule
    def delete(self, message: Message) -> Refusal | None:
        """Authors delete their own messages; moderators delete anyone's (soft: it can be restored)."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if self.g.user is None:
            return refuse("Sign in to delete messages.")
        if message.deleted_at is not None:
            return refuse("This message is already deleted.")
        if self._moderates(message.space):
            return None
        if message.author_id != self.g.user_id:
            return refuse("You can only delete your own messages.")
        if not self.g.is_member:
            return refuse("Your membership does not allow deleting right now.")
        return None

    @rule
    def restore(self, message: Message) -> Refusal | None:
        """Moderators bring a deleted message back."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if not self._moderates(message.space):
            return refuse("Only this space's moderators can restore messages.")
        if message.deleted_at is None:
            return refuse("This message is not deleted.")
        return None

    @rule
    def pin(self, message: Message) -> Refusal | None:
        """Moderators pin a message to the channel's Pinned area."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if not self._moderates(message.space):
            return refuse("Only this space's moderators can pin messages.")
        if message.space.archived_at is not None:
            return refuse(ARCHIVED)
        if message.deleted_at is not None:
            return refuse("A deleted message cannot be pinned.")
        if message.pinned_at is not None:
            return refuse("This message is already pinned.")
        return None

    @rule
    def unpin(self, message: Message) -> Refusal | None:
        """Moderators take a message out of the Pinned area (a deleted one too)."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if not self._moderates(message.space):
            return refuse("Only this space's moderators can unpin messages.")
        if message.space.archived_at is not None:
            return refuse(ARCHIVED)
        if message.pinned_at is None:
            return refuse("This message is not pinned.")
        return None

    @rule
    def set_topic(self, space: Space) -> Refusal | None:
        """Moderators set the channel's topic line."""
        unseen = self.read(space)
        if unseen is not None:
            return unseen
        if not self._moderates(space):
            return refuse("Only this space's moderators can set the topic.")
        if space.archived_at is not None:
            return refuse(ARCHIVED)
        return None

    # --- threads ---------------------------------------------------------------------------------
    # Members may reply in the threads of an announcement channel (a question about an announcement
    # belongs beside it); only "also send to channel" is the moderators' there, through `post`.
    @rule
    def view_thread(self, root: Message) -> Refusal | None:
        """A thread is read with its channel; a reply has no thread of its own (unseen, like missing)."""
        unseen = self.view_message(root)
        if unseen is not None or root.thread_root_id is not None:
            return UNSEEN
        return None

    @rule
    def reply_in_thread(self, root: Message) -> Refusal | None:
        """Reply in a thread: the space's posting rules (announcement channels included, see above)."""
        unseen = self.view_thread(root)
        if unseen is not None:
            return unseen
        refusal = self.g.spaces.post(root.space)
        if refusal is not None:
            return refusal
        if root.promoted_at is not None:
            return refuse(PROMOTED)
        if root.deleted_at is not None:
            return refuse("This message has been deleted, so its thread takes no new replies.")
        return None

    @rule
    def follow_thread(self, root: Message) -> Refusal | None:
        """Anyone signed in who may read the thread follows or unfollows it."""
        unseen = self.view_thread(root)
        if unseen is not None:
            return unseen
        if self.g.user is None:
            return refuse("Sign in to follow threads.")
        return None

    @rule
    def promote(self, root: Message) -> Refusal | None:
        """The message's author or the space's moderators turn it and its thread into a discussion topic
        (where they may start one: the action asks `discussions.create_topic` of the target space)."""
        unseen = self.view_thread(root)
        if unseen is not None:
            return unseen
        if self.g.user is None:
            return refuse("Sign in to move messages to a topic.")
        if root.promoted_at is not None:
            return refuse("This message has already been moved to a topic.")
        if root.deleted_at is not None:
            return refuse("A deleted message cannot be moved to a topic.")
        if not self._moderates(root.space):
            if root.author_id != self.g.user_id:
                return refuse("Only the message's author or this space's moderators can move it to a topic.")
            if not self.g.is_member:
                return refuse("Your membership does not allow this right now.")
        return None

    @rule
    def react(self, message: Message) -> Refusal | None:
        """React to a message: whoever may read the channel and is an active member; not to a deleted
        message, nor in an archived space."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        if self.g.user is None:
            return refuse("Sign in to react.")
        if not self.g.is_member:
            return refuse("Only active members can react.")
        if message.deleted_at is not None:
            return refuse("You cannot react to a deleted message.")
        if message.space.archived_at is not None:
            return refuse(ARCHIVED)
        return None

    @rule
    def fetch_attachment(self, message: Message) -> Refusal | None:
        """A message's files follow its text: its readers, and for a deleted message its moderators
        only (unseen for everyone else, as a missing file)."""
        unseen = self.view_message(message)
        if unseen is not None:
            return unseen
        return UNSEEN if self.view_message_body(message) is not None else None
