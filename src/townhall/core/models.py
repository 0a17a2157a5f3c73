"""Base models with no domain knowledge."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TimeStamped(models.Model):
    # A default rather than auto_now_add: bulk layers write history with the times it happened.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
