"""Importers: the runs, what each one stored (so a second run adds only what is new), the people found
in exports (placeholders until someone claims them), their claim invitations, and the system events
exports hold (kept for the report, never posted)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportRun(models.Model):
    """One import of one uploaded export into the community. The upload is kept in the data directory
    until the run ends (done or failed), then removed."""

    DRAFT = "draft"  # uploaded and previewed, waiting for the owner's confirmation
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STATES = [
        (DRAFT, "Previewed"),
        (QUEUED, "Queued"),
        (RUNNING, "Running"),
        (DONE, "Done"),
        (FAILED, "Failed"),
    ]

    source = models.CharField(max_length=20)  # a registered Source.key
    file_path = models.CharField(max_length=500, blank=True)  # "" once removed
    file_name = models.CharField(max_length=255)  # as uploaded, for the pages
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the target of a single-chat export
    create_space_name = models.CharField(max_length=80, blank=True)  # make a chat space with this name
    time_zone = models.CharField(max_length=64, default="UTC")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=STATES, default=DRAFT)
    counts = models.JSONField(default=dict, blank=True)  # what was stored, by kind
    report = models.JSONField(default=dict, blank=True)  # skipped lines, conversations, error
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} import {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.DONE, self.FAILED)


class ImportedItem(models.Model):
    """Something an import stored, by where it came from: (source, scope, kind, source_id) -> the row.

    scope: the target space's id for messages and system events (so the same chat imported into two
    spaces is two histories), "" for conversations (a Slack channel id is unique in its workspace)."""

    MESSAGE = "message"
    SYSTEM = "system"
    CONVERSATION = "conversation"

    source = models.CharField(max_length=20)
    scope = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20)
    source_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "scope", "kind", "source_id"], name="importers_item_unique_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}/{self.scope}/{self.kind}/{self.source_id} -> {self.object_id}"


class Placeholder(models.Model):
    """A person found in an export. Their messages are written under `user`, an account that cannot
    sign in (no usable password, not active, no community membership). Claimed: everything moved to
    `claimed_by` and `user` deleted. Merged: the same person as `merged_into` (their history moved)."""

    source = models.CharField(max_length=20)
    source_id = models.CharField(max_length=200)  # Slack user id, Discord id, WhatsApp name as written
    name = models.CharField(max_length=80)
    handle = models.CharField(max_length=100, blank=True)
    bot = models.BooleanField(default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="placeholder"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="importers_placeholder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    @property
    def open(self) -> bool:
        """Neither claimed nor merged into another placeholder."""
        return self.claimed_by_id is None and self.merged_into_id is None


class ClaimInvitation(models.Model):
    """A one-time invitation to claim a placeholder: emailed, or a link the owner copies. Only a hash of
    the token is kept."""

    placeholder = models.ForeignKey(Placeholder, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"claim of placeholder {self.placeholder_id}"


class SystemEvent(models.Model):
    """A system line of an export (created group, added, left, renamed...): not a post, kept here for
    the import report and counted."""

    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)  # Item.system
    text = models.CharField(max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["run", "at"], name="importers_event_run_at")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
