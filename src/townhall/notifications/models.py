"""Notifications: what a member is told (one row per recipient and thing), their choices, their devices
for web push, and the email addresses that bounced.

A Notification row is the in-page notification; the email and push channels keep their progress on it
(`email_state`, `push_state`) so that a delivery interrupted by a crash is neither lost nor repeated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

KIND_MAX = 40
KEY_MAX = 160
URL_MAX = 500

# Channels a kind can use. The in-page channel is the Notification row itself.
WEB = "web"
EMAIL = "email"
PUSH = "push"
CHANNELS = [(WEB, "In the page"), (EMAIL, "Email"), (PUSH, "Push")]

# Progress of one channel's delivery of one notification.
NONE = ""  # the channel is off for this notification (preference, kind default, or no address)
PENDING = "pending"  # waiting for its due time (email waits for the member to be away)
SENDING = "sending"  # claimed by a worker: never claimed twice, so never sent twice
SENT = "sent"
CANCELLED = "cancelled"  # seen on the site in time, or no longer permitted at delivery
FAILED = "failed"  # gave up after retries, or the address bounced
DELIVERY_STATES = [
    (NONE, "Off"),
    (PENDING, "Pending"),
    (SENDING, "Sending"),
    (SENT, "Sent"),
    (CANCELLED, "Cancelled"),
    (FAILED, "Failed"),
]


class Notification(models.Model):
    """One thing a member is told about, shown in their notification centre.

    `source_key` makes fan-out idempotent: a kind's handler gives each notice a key (for example
    "reply:post:42") and (recipient, source_key) is unique, so delivering the same domain event twice
    (a retried task, a worker killed mid-way) stores nothing twice. Grouped kinds (reactions) keep one
    unread row per `group_key` and count the actors instead.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=KIND_MAX)
    source_key = models.CharField(max_length=KEY_MAX)
    group_key = models.CharField(max_length=KEY_MAX, blank=True, default="")
    # What it is about, for the permission check at delivery and for "seen in the page": "post:42",
    # "message:7", "membership:3" (the kind's handler decides; the kind's `still_visible` reads it).
    target = models.CharField(max_length=KEY_MAX, blank=True, default="")
    # One conversation per topic, thread or DM in a mail client (Message-ID / References), and what
    # seeing a page marks read: "topic:12", "thread:99", "space:5".
    thread_key = models.CharField(max_length=KEY_MAX, blank=True, default="")
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_count = models.PositiveIntegerField(default=1)  # grouped kinds: "Ana and 4 others"
    url = models.CharField(max_length=URL_MAX)
    data = models.JSONField(default=dict, blank=True)  # small values for the text: title, excerpt
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=DELIVERY_STATES, blank=True, default=NONE)
    email_due_at = models.DateTimeField(null=True, blank=True)
    push_state = models.CharField(max_length=10, choices=DELIVERY_STATES, blank=True, default=NONE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "source_key"], name="notifications_once_per_source")
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notifications_by_recipient"),
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
            models.Index(fields=["recipient", "thread_key"], name="notifications_by_thread"),
            models.Index(fields=["recipient", "group_key"], name="notifications_by_group"),
            models.Index(fields=["email_state", "email_due_at"], name="notifications_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} ({self.source_key})"


class Preference(models.Model):
    """A member's choice for one kind on one channel; without a row the kind's default holds."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=KIND_MAX)
    channel = models.CharField(max_length=8, choices=CHANNELS)
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notifications_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {'on' if self.enabled else 'off'}"


DIGEST_OFF = "off"
DIGEST_DAILY = "daily"
DIGEST_WEEKLY = "weekly"
DIGESTS = [(DIGEST_OFF, "No digest"), (DIGEST_DAILY, "Daily"), (DIGEST_WEEKLY, "Weekly")]


class Settings(models.Model):
    """A member's notification settings beyond per-kind choices (a row is made on first change)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email_delay_minutes = models.PositiveIntegerField(default=10)
    digest = models.CharField(max_length=8, choices=DIGESTS, default=DIGEST_OFF)
    last_digest_at = models.DateTimeField(null=True, blank=True)
    quiet_from = models.TimeField(null=True, blank=True)  # in the member's time zone (User.time_zone)
    quiet_until = models.TimeField(null=True, blank=True)
    paused_until = models.DateTimeField(null=True, blank=True)  # "snooze": nothing by email or push

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


class PushSubscription(models.Model):
    """One browser on one device that accepted web push (the Push API's subscription)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.URLField(max_length=URL_MAX, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    label = models.CharField(max_length=120, blank=True, default="")  # "Firefox on Android"
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["user"], name="notifications_push_by_user")]

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"


BOUNCED = "bounced"
COMPLAINED = "complained"


class EmailSuppression(models.Model):
    """An address that must not get notification email any more: a permanent bounce or a spam
    complaint. The member is told on the site and can clear it after fixing the address."""

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=12, choices=[(BOUNCED, "Bounced"), (COMPLAINED, "Complained")])
    detail = models.CharField(max_length=300, blank=True, default="")  # the DSN's status and diagnostic
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"
