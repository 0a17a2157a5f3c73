"""Rules about importing history and the people it brings (placeholders and their claims)."""

from __future__ import annotations

from django.utils import timezone

from townhall.importers.models import ClaimInvitation, Placeholder
from townhall.policy.rules import Refusal, RuleGroup, refuse, rule


class ImportRules(RuleGroup):
    @rule
    def manage(self) -> Refusal | None:
        """Import exports, see their reports, and manage placeholders: owners and admins."""
        return (
            None if self.g.is_admin else refuse("Only the community's owners and admins can import history.")
        )

    @rule
    def manage_placeholder(self, placeholder: Placeholder) -> Refusal | None:
        """Match, invite or merge a placeholder that nobody has claimed yet."""
        refusal = self.manage()
        if refusal is not None:
            return refusal
        if not placeholder.open:
            return refuse("This person's history has already been claimed or merged.")
        return None

    @rule
    def claim(self, invitation: ClaimInvitation) -> Refusal | None:
        """Accept a claim invitation: a signed-in active member, once, before it expires."""
        if self.g.user is None:
            return refuse("Sign in first, then open the link again.")
        if not self.g.is_member:
            return refuse("Join the community first, then open the link again.")
        if invitation.used_at is not None:
            return refuse("This invitation has already been used.")
        if invitation.expires_at <= timezone.now():
            return refuse("This invitation has expired: ask for a new one.")
        if not invitation.placeholder.open:
            return refuse("This history has already been claimed.")
        return None
