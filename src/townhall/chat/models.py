"""Chat: messages in a chat space, their earlier wordings, and each member's read position."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_BODY = 10_000
CLIENT_KEY_MAX = 64
TOPIC_MAX = 200  # the channel's topic line (kept in Space.kind_settings["topic"])
MAX_PINS = 20  # pinned messages per channel: the Pinned area stays short


class Message(models.Model):
    """One message in a chat space. `html` is rendered once, when the message is written or edited."""

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A key the sender's client makes up per message: a retry with the same key finds the first message.
    client_key = models.CharField(max_length=CLIENT_KEY_MAX, blank=True, default="")
    # Pinned by a moderator: shown in the channel's Pinned area (while not deleted).
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Threads: a reply points at the message that opened its thread (never at another reply). The root
    # keeps its thread's counters, maintained under a lock on the root's row by `reply_in_thread`;
    # deleted replies keep their place (and their count), as deleted messages do in the channel.
    thread_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    reply_count = models.PositiveIntegerField(default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    # A reply also sent to the channel: it shows in the channel's list too, with "replied to a thread".
    also_in_channel = models.BooleanField(default=False)
    # Promoted to a discussion topic: the thread is closed and the channel links to the topic instead.
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_to = models.ForeignKey(
        "discussions.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["space", "id"], name="chat_message_space_id"),
            models.Index(
                fields=["space", "pinned_at"],
                condition=Q(pinned_at__isnull=False),
                name="chat_message_pinned",
            ),
            models.Index(
                fields=["thread_root", "id"],
                condition=Q(thread_root__isnull=False),
                name="chat_message_thread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_key"],
                condition=~Q(client_key=""),
                name="chat_message_unique_client_key",
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in space {self.space_id}"


class MessageRevision(models.Model):
    """A message's wording before an edit."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"revision {self.pk} of message {self.message_id}"


class ChannelRead(models.Model):
    """The newest message a member has seen in a chat space: messages after it are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "space"], name="chat_read_unique_user_space")]

    def __str__(self) -> str:
        return f"user {self.user_id} read space {self.space_id} up to {self.last_read_id}"


class ThreadFollow(models.Model):
    """A member following a thread: its root's author and everyone who replies follow it on their own;
    anyone who may read it can follow or unfollow. Replies after `last_read_id` are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    root = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="follows")
    last_read_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "root"], name="chat_thread_follow_unique")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows thread {self.root_id}"


class MessageReaction(models.Model):
    """One person's reaction to a message, from the admin-chosen set (content.reactions, shared with
    discussions' post reactions)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # given by the bulk layer

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="chat_reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on message {self.message_id}"


MAX_ATTACHMENTS = 10  # files per message


class MessageAttachment(models.Model):
    """A file sent with a message: an Upload (content.uploads, shared with discussions' posts), served
    by chat under its message's rule."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    upload = models.OneToOneField("discussions.Upload", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["message", "position"]
        indexes = [models.Index(fields=["message", "position"], name="chat_attachment_message")]

    def __str__(self) -> str:
        return f"attachment {self.position} of message {self.message_id}"
