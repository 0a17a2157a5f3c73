"""People: the user (account + profile), interests and personal access tokens."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from townhall.core.models import TimeStamped

TIME_ZONES = sorted(zoneinfo.available_timezones())


class Interest(models.Model):
    """A tag a member can put on their profile. Admins curate `featured` ones (the community's list)."""

    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=50, unique=True)
    featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="interest_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class TownhallUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__iexact=username)


class User(AbstractUser):
    """An account and its public profile. Usernames are unique regardless of case."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    bio = models.TextField(max_length=4000, blank=True)
    location = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, default="")
    links = models.JSONField(default=list, blank=True)  # up to 5 URLs
    can_help_with = models.CharField(max_length=300, blank=True)
    looking_for = models.CharField(max_length=300, blank=True)
    interests = models.ManyToManyField(Interest, blank=True, related_name="users")
    theme = models.CharField(
        max_length=10, choices=[("system", "System"), ("light", "Light"), ("dark", "Dark")], default="system"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Others see this person as offline in chat and the directory (realtime.presence reads it).
    hide_presence = models.BooleanField(default=False)
    # Direct messages from people who share no conversation with this person yet are refused.
    dms_from_contacts_only = models.BooleanField(default=False)

    objects = TownhallUserManager()  # type: ignore[misc]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("username"), name="user_username_ci_unique")]
        indexes = [models.Index(fields=["display_name"]), models.Index(fields=["location"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username


class AccessToken(TimeStamped):
    """A personal access token for the API. Only a SHA-256 hash of the secret is stored."""

    READ = "read"
    WRITE = "write"
    SCOPES = [(READ, "Read"), (WRITE, "Read and write")]

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=SCOPES, default=READ)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Block(models.Model):
    """`blocker` blocked `blocked`: no direct messages between them, neither sees the other's presence,
    and the blocker no longer sees the blocked person's messages."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_blocker")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
