"""The one community of this installation: identity, join policy, members, roles, groups, invitations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from townhall.core.models import TimeStamped


class Community(TimeStamped):
    """Singleton row (pk=1) describing the community that this installation serves."""

    OPEN = "open"
    APPROVAL = "approval"
    INVITE = "invite"
    JOIN_POLICIES = [(OPEN, "Open: anyone can join"), (APPROVAL, "By approval"), (INVITE, "Invitation only")]

    name = models.CharField(max_length=80)
    tagline = models.CharField(max_length=160, blank=True)
    mission = models.TextField(max_length=4000, blank=True)
    values = models.TextField(max_length=4000, blank=True)
    code_of_conduct = models.TextField(max_length=20000, blank=True)
    logo = models.ImageField(upload_to="community/", blank=True)
    accent_color = models.CharField(max_length=7, default="#3b5bdb")
    landing_public = models.BooleanField(default=True)
    join_policy = models.CharField(max_length=10, choices=JOIN_POLICIES, default=OPEN)
    screening_questions = models.JSONField(default=list, blank=True)  # up to 5 strings

    class Meta:
        verbose_name_plural = "community"

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    """A person's standing in the community. No row means "not a member"."""

    OWNER = "owner"
    ADMIN = "admin"
    MODERATOR = "moderator"
    MEMBER = "member"
    ROLES = [(OWNER, "Owner"), (ADMIN, "Admin"), (MODERATOR, "Moderator"), (MEMBER, "Member")]
    ROLE_RANK = {OWNER: 4, ADMIN: 3, MODERATOR: 2, MEMBER: 1}

    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    LEFT = "left"
    STATES = [
        (PENDING, "Pending"),
        (ACTIVE, "Active"),
        (SUSPENDED, "Suspended"),
        (BANNED, "Banned"),
        (LEFT, "Left"),
    ]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=10, choices=ROLES, default=MEMBER)
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    joined_at = models.DateTimeField(null=True, blank=True)
    screening_answers = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    coc_accepted_at = models.DateTimeField(null=True, blank=True)
    profile_completed_at = models.DateTimeField(null=True, blank=True)
    spaces_chosen_at = models.DateTimeField(null=True, blank=True)
    introduced_at = models.DateTimeField(null=True, blank=True)
    introduction = models.TextField(max_length=2000, blank=True)
    invitation = models.ForeignKey("Invitation", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        indexes = [
            models.Index(fields=["state", "role"]),
            models.Index(fields=["state", "-joined_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role}/{self.state}"

    @property
    def onboarded(self) -> bool:
        """The three required steps are done (the introduction can be skipped, which sets introduced_at too)."""
        return bool(
            self.coc_accepted_at
            and self.profile_completed_at
            and self.spaces_chosen_at
            and self.introduced_at
        )


class Group(TimeStamped):
    """A named set of members (a chapter, a cohort, mentors) that spaces and permissions refer to."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=90, unique=True)
    description = models.CharField(max_length=500, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMember", related_name="member_groups"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    added_at = models.DateTimeField(default=timezone.now, editable=False)  # given by the bulk layer

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="group_member_unique")]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class Invitation(TimeStamped):
    """A shareable link (email empty) or an email invitation; both carry a secret token."""

    token = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True)

    ACTIVE = "active"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"
    STATES = {ACTIVE: "Active", EXPIRED: "Expired", USED_UP: "Used up", REVOKED: "Revoked"}

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email or f"link {self.token[:6]}…"

    @property
    def state(self) -> str:
        """Whether it can still be used: revoked, expired or used up win over active, in that order."""
        if self.revoked_at is not None:
            return self.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return self.EXPIRED
        if self.max_uses is not None and self.uses >= self.max_uses:
            return self.USED_UP
        return self.ACTIVE

    @property
    def state_label(self) -> str:
        return self.STATES[self.state]
