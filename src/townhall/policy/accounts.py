"""Rules about a person's own account: profile, tokens, deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from townhall.policy.base import GuardianBase

if TYPE_CHECKING:
    from townhall.accounts.models import AccessToken


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

    def ensure_can_use_api_writes(self) -> None:
        if self.user is None:
            raise self.deny("Sign in first.")

    # --- personal access tokens ------------------------------------------------------------------
    def can_manage_token(self, token: AccessToken) -> bool:
        return self.user is not None and token.user_id == self.user.pk

    def ensure_can_manage_token(self, token: AccessToken) -> None:
        """Someone else's token is unseen: 404, exactly like a missing one."""
        if not self.can_manage_token(token):
            raise self.not_found()

    def visible_tokens(self, qs: QuerySet[AccessToken]) -> QuerySet[AccessToken]:
        if self.user is None:
            return qs.none()
        return qs.filter(user_id=self.user.pk)

    # --- deleting one's account ------------------------------------------------------------------
    def can_delete_account(self) -> bool:
        return self.user is not None and self.role != "owner"

    def ensure_can_delete_account(self) -> None:
        if self.user is None:
            raise self.deny("Sign in first.")
        if not self.can_delete_account():
            raise self.deny(
                "You own this community, so hand ownership to another admin before deleting your account."
            )
