"""Optional listeners (search index, analytics, webhooks). Required effects are explicit calls instead."""

from __future__ import annotations

from django.dispatch import Signal

member_joined = Signal()  # sender=Membership-like, user_id=int
space_created = Signal()  # space_id=int
