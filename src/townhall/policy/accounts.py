"""Rules about a person's own account: profile, tokens, deletion."""

from __future__ import annotations

from townhall.policy.base import GuardianBase


class AccountRules(GuardianBase):
    def can_edit_profile(self) -> bool:
        return self.user is not None and self.state != "banned"

    def ensure_can_edit_profile(self) -> None:
        if self.user is None:
            raise self.deny("Sign in first.")
        if not self.can_edit_profile():
            raise self.deny("You have been banned from this community.")

    def can_use_api_writes(self) -> bool:
        return self.user is not None
