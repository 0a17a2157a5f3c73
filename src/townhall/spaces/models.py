"""Spaces: topic-based places inside the community, with visibility, posting rules and members."""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models

from townhall.core.models import TimeStamped
from townhall.core.registries import space_kind_choices


class SidebarSection(models.Model):
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


# Cover colours: each keeps WCAG AA contrast (at least 4.5:1) for white text, in light and dark themes.
# The key is also the CSS class (`.cover-<key>` in spaces/spaces.css): pages carry no inline styles.
COVER_COLORS = [
    ("teal", "Teal"),
    ("blue", "Blue"),
    ("indigo", "Indigo"),
    ("violet", "Violet"),
    ("plum", "Plum"),
    ("rose", "Rose"),
    ("rust", "Rust"),
    ("green", "Green"),
    ("slate", "Slate"),
]
COVER_KEYS = [key for key, _label in COVER_COLORS]


def derived_cover(name: str, icon: str) -> str:
    """A palette colour chosen from the name and icon, the same on every process and every run."""
    return COVER_KEYS[zlib.crc32(f"{name}\n{icon}".encode()) % len(COVER_KEYS)]


class Space(TimeStamped):
    # What a space is (discussions, chat, events...) comes from the kinds that apps register; spaces made
    # before kinds were registered, and those made without choosing, are discussion spaces.
    DEFAULT_KIND = "discussion"

    PUBLIC = "public"
    MEMBERS = "members"
    PRIVATE = "private"
    SECRET = "secret"
    VISIBILITIES = [
        (PUBLIC, "Public: anyone, including search engines"),
        (MEMBERS, "Members: every member of the community"),
        (PRIVATE, "Private: listed, joined by request or invitation"),
        (SECRET, "Secret: invisible to non-members"),
    ]

    EVERYONE = "everyone"
    MODERATORS = "moderators"
    POSTING = [(EVERYONE, "Every member"), (MODERATORS, "Moderators only (announcements)")]

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=90, unique=True)
    description = models.CharField(max_length=1000, blank=True)
    icon = models.CharField(max_length=16, blank=True, default="💬")
    kind = models.CharField(max_length=20, choices=space_kind_choices, default=DEFAULT_KIND)
    kind_settings = models.JSONField(default=dict, blank=True)  # the kind's own settings (SpaceKind.settings)
    visibility = models.CharField(max_length=10, choices=VISIBILITIES, default=MEMBERS)
    posting = models.CharField(max_length=12, choices=POSTING, default=EVERYONE)
    group = models.ForeignKey(
        "community.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="spaces"
    )
    section = models.ForeignKey(
        SidebarSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="spaces"
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cover_color = models.CharField(max_length=12, choices=COVER_COLORS, blank=True)  # "": derived
    cover_image = models.ImageField(upload_to="spaces/covers/", blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["visibility", "position"])]

    def __str__(self) -> str:
        return self.name

    @property
    def cover(self) -> str:
        """The cover colour's key: the chosen one, or one derived from the name and icon."""
        return self.cover_color or derived_cover(self.name, self.icon)


class SpaceMembership(TimeStamped):
    REQUESTED = "requested"
    INVITED = "invited"
    ACTIVE = "active"
    STATES = [(REQUESTED, "Requested"), (INVITED, "Invited"), (ACTIVE, "Active")]

    MEMBER = "member"
    MODERATOR = "moderator"
    ROLES = [(MEMBER, "Member"), (MODERATOR, "Space moderator")]

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_memberships"
    )
    state = models.CharField(max_length=10, choices=STATES, default=ACTIVE)
    role = models.CharField(max_length=10, choices=ROLES, default=MEMBER)
    request_message = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="space_membership_unique")]
        indexes = [
            models.Index(fields=["user", "state"]),
            models.Index(fields=["space", "state", "role"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.space_id} {self.state}/{self.role}"
