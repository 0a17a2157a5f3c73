"""Writes about a person's own account."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from townhall.accounts.models import AccessToken, User

THEME_CYCLE = {"system": "dark", "dark": "light", "light": "system"}


def set_theme(user: User, *, theme: str) -> str:
    """Store the person's theme; "toggle" moves to the next one. Returns the theme now in force."""
    if theme == "toggle":
        theme = THEME_CYCLE.get(user.theme, "system")
    if theme not in THEME_CYCLE:
        theme = "system"
    User.objects.filter(pk=user.pk).update(theme=theme)
    user.theme = theme
    return theme


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(secret: str) -> tuple[User, str] | None:
    """The user and scope of a live personal access token, or None. Records its last use."""
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret.strip()), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with transaction.atomic():
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token.scope
