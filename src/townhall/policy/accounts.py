"""Rules about a person's own account: profile, tokens, deletion."""

from __future__ import annotations

from django.db.models import QuerySet

from townhall.accounts.models import AccessToken, User
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule


class AccountRules(RuleGroup):
    @rule
    def edit_profile(self) -> Refusal | None:
        if self.g.user is None:
            return refuse("Sign in first.")
        if self.g.is_banned:
            return refuse("You have been banned from this community.")
        return None

    @rule
    def change_account(self, user: User) -> Refusal | None:
        """Change a profile, an avatar or settings: one's own, and not while banned."""
        refusal = self.edit_profile()
        if refusal is not None:
            return refusal
        return None if user.pk == self.g.user_id else refuse("You can only change your own account.")

    # --- blocking ---------------------------------------------------------------------------------
    @rule
    def block(self, person: User) -> Refusal | None:
        """Block another member (anyone may, except of themselves; banned people change nothing)."""
        refusal = self.edit_profile()
        if refusal is not None:
            return refusal
        return refuse("You cannot block yourself.") if person.pk == self.g.user_id else None

    @rule
    def unblock(self, person: User) -> Refusal | None:
        return self.edit_profile()

    @rule
    def use_api_writes(self) -> Refusal | None:
        return None if self.g.user is not None else refuse("Sign in first.")

    # --- personal access tokens ------------------------------------------------------------------
    @rule
    def manage_token(self, token: AccessToken) -> Refusal | None:
        """Someone else's token is unseen: 404, exactly like a missing one."""
        return None if self.g.user is not None and token.user_id == self.g.user.pk else UNSEEN

    def visible_tokens(self, qs: QuerySet[AccessToken]) -> QuerySet[AccessToken]:
        if self.g.user is None:
            return qs.none()
        return qs.filter(user_id=self.g.user.pk)

    # --- deleting one's account ------------------------------------------------------------------
    @rule
    def delete_account(self) -> Refusal | None:
        if self.g.user is None:
            return refuse("Sign in first.")
        if self.g.role == "owner":
            return refuse(
                "You own this community, so hand ownership to another admin before deleting your account."
            )
        return None
