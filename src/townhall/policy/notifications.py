"""Rules about a member's own notifications: only the recipient sees or acts on them, and only while they
may still read what a notification is about.

- someone else's notification is unseen (404, exactly like a missing one);
- a notification about a space the member can no longer read, or that its kind says is no longer for
  them (`Kind.still_visible`: the post was removed, the sender is blocked...), is unseen too: it is left
  out of their list and their count, and its link no longer opens;
- banned members are told nothing more (and change no settings); signed-out visitors have none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from townhall.notifications.kinds import kinds
from townhall.notifications.models import Notification
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space


class NotificationRules(RuleGroup):
    @rule
    def act_on(self, notification: Notification) -> Refusal | None:
        """Mark read (one's own only: anyone else's is unseen)."""
        g = self.g
        if g.user_id is None or notification.recipient_id != g.user_id:
            return UNSEEN
        return None

    @rule
    def see(self, notification: Notification) -> Refusal | None:
        """See it in the centre and follow its link: one's own, about something one may still read."""
        refusal = self.act_on(notification)
        if refusal is not None:
            return refusal
        g = self.g
        if g.is_banned:
            return UNSEEN
        space = notification.space if notification.space_id is not None else None
        if space is not None and not g.spaces.read.can(space):
            return UNSEEN
        kind = kinds.get(notification.kind)
        if kind is not None and kind.still_visible is not None and not kind.still_visible(g, notification):
            return UNSEEN
        return None

    @rule
    def change_settings(self) -> Refusal | None:
        """Change one's own notification preferences, settings and pause."""
        g = self.g
        if g.user is None:
            return refuse("Sign in first.")
        if g.is_banned:
            return refuse("You have been banned from this community.")
        return None

    def visible(self, qs: QuerySet[Notification]) -> QuerySet[Notification]:
        """The `see` rule in SQL, except each kind's own `still_visible` check (Python, per row: see
        `passes_kind_checks`): one's own rows about readable spaces, or about no space at all."""
        g = self.g
        if g.user_id is None or g.is_banned:
            return qs.none()
        readable = g.spaces.readable(Space.objects.all()).values("pk")
        return qs.filter(Q(recipient_id=g.user_id) & (Q(space__isnull=True) | Q(space_id__in=readable)))

    def passes_kind_checks(self, notification: Notification) -> bool:
        """The kind's own `still_visible`, for rows `visible()` already let through (an unknown kind,
        from an app since removed, has no checks of its own)."""
        kind = kinds.get(notification.kind)
        return kind is None or kind.still_visible is None or bool(kind.still_visible(self.g, notification))
