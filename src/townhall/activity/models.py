"""The append-only log of meaningful actions, written in the same transaction as the action.

Analytics, recognition, impact tracking and the data export read it. It sits at the bottom of the
house: every app may import it, and it imports no app (spaces are referred to by id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

VERB_MAX = 60
TARGET_TYPE_MAX = 40


class Activity(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=VERB_MAX)
    target_type = models.CharField(max_length=TARGET_TYPE_MAX, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    space_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # A default rather than auto_now_add: the bulk layer writes history with the times it happened.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["created_at"], name="activity_created_idx"),
            models.Index(fields=["actor", "created_at"], name="activity_actor_idx"),
            models.Index(fields=["verb", "created_at"], name="activity_verb_idx"),
            models.Index(fields=["space_id", "created_at"], name="activity_space_idx"),
            models.Index(fields=["target_type", "target_id"], name="activity_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.target_type}:{self.target_id}"
