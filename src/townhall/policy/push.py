"""Rules about a member's devices for web push: a subscription is its owner's alone."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.notifications.models import PushSubscription
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule


class PushRules(RuleGroup):
    @rule
    def subscribe(self) -> Refusal | None:
        """Add this browser as a device: anyone signed in who is not banned."""
        if self.g.user is None:
            return refuse("Sign in first.")
        if self.g.is_banned:
            return refuse("You have been banned from this community.")
        return None

    @rule
    def manage_subscription(self, subscription: PushSubscription) -> Refusal | None:
        """See or remove a device: its owner only; anyone else's is unseen (404, exactly like a missing one)."""
        return None if self.g.user is not None and subscription.user_id == self.g.user.pk else UNSEEN

    def visible_subscriptions(self, qs: QuerySet[PushSubscription]) -> QuerySet[PushSubscription]:
        if self.g.user is None:
            return qs.none()
        return qs.filter(user_id=self.g.user.pk)
