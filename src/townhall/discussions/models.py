"""Discussions: topics, posts (flat or threaded), revisions, reactions, read state, follows, drafts.

Posts are never removed from the database: deleting or hiding only marks them, so positions stay
sequential within a topic. That keeps read tracking to one row per member and topic (the highest
position read) and makes a flat page a simple range of positions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from townhall.core.models import TimeStamped

TITLE_MAX = 200
BODY_MAX = 32_000
TAG_MAX = 40
MAX_TAGS = 5
PATH_SEGMENT = 8  # zero-padded positions: up to 99,999,999 posts in one topic
MAX_TREE_DEPTH = 100  # deeper replies attach to the deepest allowed ancestor's level
PARTICIPANTS_SHOWN = 5


class Tag(models.Model):
    name = models.CharField(max_length=TAG_MAX)
    slug = models.SlugField(max_length=50, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="discussions_tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


DEFAULT_REACTIONS = [
    ("👍", "Thumbs up"),
    ("❤️", "Heart"),
    ("🎉", "Celebrate"),
    ("😄", "Laugh"),
    ("🤔", "Thinking"),
    ("👀", "Eyes"),
]


REACTION_CHOICES_KEY = "discussions:reaction-choices:v1"
REACTION_CHOICES_TTL = 60  # seconds; bounds staleness in other processes when the cache is per process


def reaction_choices() -> list[ReactionChoice]:
    """The admins' set, or the defaults while the table is empty (e.g. right after a flush).

    Read on every topic page, so kept in the cache; saving or deleting a choice clears it.
    """
    cached = cache.get(REACTION_CHOICES_KEY)
    if cached is not None:
        return list(cached)
    chosen = list(ReactionChoice.objects.all())
    if not chosen:
        chosen = [
            ReactionChoice(emoji=e, label=label, position=i) for i, (e, label) in enumerate(DEFAULT_REACTIONS)
        ]
    cache.set(REACTION_CHOICES_KEY, chosen, REACTION_CHOICES_TTL)
    return chosen


def forget_reaction_choices(**_: Any) -> None:
    """Clear the cached set now and again after the transaction commits (no stale re-cache)."""
    cache.delete(REACTION_CHOICES_KEY)
    transaction.on_commit(lambda: cache.delete(REACTION_CHOICES_KEY))


class ReactionChoice(models.Model):
    """The small set of reactions the admins offer (edited in the admin)."""

    emoji = models.CharField(max_length=16, unique=True)
    label = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.emoji} {self.label}"


models.signals.post_save.connect(forget_reaction_choices, sender=ReactionChoice)
models.signals.post_delete.connect(forget_reaction_choices, sender=ReactionChoice)


class Topic(TimeStamped):
    DISCUSSION = "discussion"
    QUESTION = "question"
    ANNOUNCEMENT = "announcement"
    KINDS = [(DISCUSSION, "Discussion"), (QUESTION, "Question"), (ANNOUNCEMENT, "Announcement")]

    NOT_PINNED = ""
    PIN_SPACE = "space"
    PIN_SITE = "site"
    PINS = [(NOT_PINNED, "Not pinned"), (PIN_SPACE, "Pinned in its space"), (PIN_SITE, "Pinned site-wide")]

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="topics")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="topics"
    )
    title = models.CharField(max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, allow_unicode=False, blank=True)
    kind = models.CharField(max_length=14, choices=KINDS, default=DISCUSSION)
    tags = models.ManyToManyField(Tag, through="TopicTag", related_name="topics", blank=True)
    pinned = models.CharField(max_length=5, choices=PINS, default=NOT_PINNED, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    # Counters kept by the actions (under a row lock on the topic) and the bulk layer: threads.Tally.
    post_count = models.PositiveIntegerField(default=1)  # visible posts, the opening post included
    last_position = models.PositiveIntegerField(default=1)  # positions handed out so far
    reaction_count = models.PositiveIntegerField(default=0)
    score = models.PositiveIntegerField(default=0)  # replies + reactions, for Top lists
    last_posted_at = models.DateTimeField()
    last_post_id = models.BigIntegerField(null=True, blank=True)
    # Bumped by every change the topic page shows (actions._touch); keys cached copies of the page.
    version = models.PositiveIntegerField(default=0)
    # Whose avatars a topic list shows (like Discourse's featured posters): the opening post's author, then
    # the latest distinct authors of visible replies, newest first; at most PARTICIPANTS_SHOWN user ids,
    # kept by the actions under the topic's row lock, so a list needs one query for every row's faces.
    participant_ids = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["space", "-last_posted_at", "-id"], name="topic_space_latest"),
            models.Index(fields=["-last_posted_at", "-id"], name="topic_latest"),
            models.Index(fields=["space", "pinned"], name="topic_space_pinned"),
            models.Index(fields=["pinned"], name="topic_pinned", condition=~Q(pinned="")),
            models.Index(fields=["created_at", "-score", "-id"], name="topic_top"),
            models.Index(fields=["author", "-created_at"], name="topic_author"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_question(self) -> bool:
        return self.kind == self.QUESTION

    @property
    def solved(self) -> bool:
        return self.accepted_post_id is not None

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)

    @property
    def unread_count(self) -> int:
        """Posts after the reader's mark, when a list annotated `read_position` (-1 = never opened)."""
        read = getattr(self, "read_position", -1)
        return max(self.last_position - read, 0) if read is not None and read >= 0 else 0

    @property
    def is_new_to_reader(self) -> bool:
        return getattr(self, "read_position", None) == -1

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("discussions:topic", args=[self.pk, self.slug or "-"])


class TopicTag(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "tag"], name="discussions_topictag_unique")]
        indexes = [models.Index(fields=["tag", "topic"])]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.tag_id}"


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    position = models.PositiveIntegerField()  # 1 = the opening post
    depth = models.PositiveSmallIntegerField(default=0)  # 0 = opening post, 1 = reply to the topic
    path = models.CharField(max_length=1000)  # tree order: ancestors' positions, zero-padded, dot-joined
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(blank=True)
    hidden = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Who deleted it: an author may take back their own deletion for a short while (policy), not a moderator's.
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_count = models.PositiveIntegerField(default=0)  # direct replies
    reaction_count = models.PositiveIntegerField(default=0)
    # A default rather than auto_now_add: the bulk layer writes posts with the times they were written.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "position"], name="discussions_post_position")
        ]
        indexes = [
            models.Index(fields=["topic", "path"], name="post_topic_path"),
            models.Index(fields=["author", "-created_at"], name="post_author"),
        ]

    def __str__(self) -> str:
        return f"post {self.pk} (#{self.position} in topic {self.topic_id})"

    @property
    def is_opening(self) -> bool:
        return self.position == 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def path_positions(self) -> list[int]:
        return [int(p) for p in self.path.split(".") if p]


class PostRevision(models.Model):
    """The body as it was before one edit; the current version lives on the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()  # 1 = the original text
    body = models.TextField(max_length=BODY_MAX)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # who wrote this version
    created_at = models.DateTimeField()  # when this version was written

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="discussions_revision_number")]

    def __str__(self) -> str:
        return f"post {self.post_id} v{self.number}"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # given by the bulk layer

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "emoji"], name="discussions_reaction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.post_id}"


class TopicRead(models.Model):
    """One row per member and topic: how far they have read, and how far they had read last visit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reads")
    highest_position_read = models.PositiveIntegerField(default=0)
    last_visit_position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="discussions_topicread_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to {self.highest_position_read}"


WATCHING = "watching"
NORMAL = "normal"
MUTED = "muted"
FOLLOW_LEVELS = [(WATCHING, "Watching"), (NORMAL, "Normal"), (MUTED, "Muted")]


class TopicFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    level = models.CharField(max_length=8, choices=FOLLOW_LEVELS, default=NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="discussions_topicfollow_unique")
        ]
        indexes = [models.Index(fields=["topic", "level"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} topic {self.topic_id}"


class SpaceFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=FOLLOW_LEVELS, default=NORMAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "space"], name="discussions_spacefollow_unique")
        ]
        indexes = [models.Index(fields=["space", "level"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} space {self.space_id}"


class Draft(models.Model):
    """Text being written, saved as you type: a reply (topic set) or a new topic (space set)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(max_length=BODY_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="discussions_draft_topic_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "space"],
                condition=Q(space__isnull=False),
                name="discussions_draft_space_unique",
            ),
            models.CheckConstraint(
                condition=Q(topic__isnull=False, space__isnull=True)
                | Q(topic__isnull=True, space__isnull=False),
                name="discussions_draft_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"draft of {self.user_id}"


class Upload(models.Model):
    """An image or file uploaded for a post. Stored outside the public media folder and served by a
    view that asks the Guardian: readers of the post (or of the space, before it is attached)."""

    IMAGE = "image"
    FILE = "file"
    KINDS = [(IMAGE, "Image"), (FILE, "File")]

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    kind = models.CharField(max_length=5, choices=KINDS)
    path = models.CharField(max_length=200)  # relative to the upload root
    name = models.CharField(max_length=120)  # the file name shown and offered on download
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["uploader", "-created_at"]), models.Index(fields=["post"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("discussions:upload", args=[self.pk, self.name])

    @property
    def markdown(self) -> str:
        label = self.name.replace("[", "").replace("]", "")
        if self.kind == self.IMAGE:
            return f"![{label}]({self.get_absolute_url()})"
        return f"[{label}]({self.get_absolute_url()})"
