"""Rules about the community itself: landing page, joining, members, roles, groups, invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from townhall.community.models import Community, Invitation, Membership
from townhall.policy.base import GuardianBase

if TYPE_CHECKING:
    from townhall.accounts.models import User


class CommunityRules(GuardianBase):
    # --- landing & joining -----------------------------------------------------------------------
    def can_view_landing(self, community: Community) -> bool:
        return community.landing_public or self.user is not None

    def can_join_community(self, community: Community) -> bool:
        """May start joining (open) or apply (approval) right now, without an invitation."""
        if self.user is None:
            return False
        if self.state in (Membership.ACTIVE, Membership.SUSPENDED, Membership.BANNED, Membership.PENDING):
            return False
        return community.join_policy in (Community.OPEN, Community.APPROVAL)

    def ensure_can_join_community(self, community: Community) -> None:
        if self.user is None:
            raise self.deny("Sign in or create an account first.")
        if self.state == Membership.BANNED:
            raise self.deny("You have been banned from this community.")
        if self.state in (Membership.ACTIVE, Membership.SUSPENDED):
            raise self.deny("You are already a member.")
        if self.state == Membership.PENDING:
            raise self.deny("Your application is waiting for a moderator's review.")
        if community.join_policy == Community.INVITE:
            raise self.deny("This community is invitation only; ask a member for an invitation.")

    def can_accept_invitation(self) -> bool:
        return self.user is not None and self.state not in (
            Membership.ACTIVE,
            Membership.SUSPENDED,
            Membership.BANNED,
        )

    def ensure_can_accept_invitation(self) -> None:
        if self.user is None:
            raise self.deny("Sign in or create an account to accept this invitation.")
        if self.state == Membership.BANNED:
            raise self.deny("You have been banned from this community.")
        if self.state in (Membership.ACTIVE, Membership.SUSPENDED):
            raise self.deny("You are already a member.")

    def can_leave_community(self) -> bool:
        return self.is_member and not self.is_owner

    def ensure_can_leave_community(self) -> None:
        if self.is_owner:
            raise self.deny("The owner cannot leave; hand ownership to another admin first.")
        if not self.can_read_as_member:
            raise self.deny("You are not a member.")

    def can_onboard(self) -> bool:
        """Go through onboarding (code of conduct, profile, spaces, introduction): active members only."""
        return self.is_member

    def ensure_can_onboard(self) -> None:
        if self.user is None:
            raise self.deny("Sign in first.")
        if self.is_suspended:
            raise self.deny("Your membership is suspended, so you cannot change anything for now.")
        if not self.is_member:
            raise self.deny("Join the community first.")

    # --- managing the community --------------------------------------------------------------------
    def can_manage_community(self) -> bool:
        return self.is_admin

    def ensure_can_manage_community(self) -> None:
        if not self.can_manage_community():
            raise self.deny("Only the community's admins can change its settings.")

    def can_review_applications(self) -> bool:
        return self.is_moderator

    def ensure_can_review_applications(self) -> None:
        if not self.can_review_applications():
            raise self.deny("Only moderators can review applications.")

    def can_create_invitation(self, community: Community) -> bool:
        if self.is_moderator:
            return True
        return self.is_member and community.join_policy == Community.OPEN

    def ensure_can_create_invitation(self, community: Community) -> None:
        if not self.can_create_invitation(community):
            raise self.deny("Only moderators can invite people to this community.")

    def can_revoke_invitation(self, invitation: Invitation) -> bool:
        """Moderators revoke any invitation; members only the ones they created."""
        if self.is_moderator:
            return True
        return self.is_member and invitation.created_by_id == self.user_id

    def ensure_can_revoke_invitation(self, invitation: Invitation) -> None:
        if not self.can_revoke_invitation(invitation):
            raise self.deny("Only moderators and the person who created it can revoke this invitation.")

    def can_manage_members(self) -> bool:
        """See the members settings page (roles and sanctions)."""
        return self.is_moderator

    def ensure_can_manage_members(self) -> None:
        if not self.can_manage_members():
            raise self.deny("Only moderators and admins can manage members.")

    def can_manage_groups(self) -> bool:
        return self.is_admin

    def ensure_can_manage_groups(self) -> None:
        if not self.can_manage_groups():
            raise self.deny("Only admins can manage groups.")

    def can_set_role(self, target: Membership, role: str) -> bool:
        """Owners set any role but owner; admins promote up to moderator. Nobody changes their own."""
        if not self.is_admin or target.user_id == self.user_id or target.role == Membership.OWNER:
            return False
        if role == Membership.OWNER or role not in Membership.ROLE_RANK:
            return False
        if self.is_owner:
            return True
        return target.role != Membership.ADMIN and role in (Membership.MODERATOR, Membership.MEMBER)

    def ensure_can_set_role(self, target: Membership, role: str) -> None:
        if not self.can_set_role(target, role):
            raise self.deny("You cannot give this person that role.")

    def can_sanction_member(self, target: Membership) -> bool:
        """Suspend, ban or restore: moderators act on plain members, admins on moderators too."""
        if not self.is_moderator or target.user_id == self.user_id:
            return False
        return Membership.ROLE_RANK[target.role] < self._rank()

    def ensure_can_sanction_member(self, target: Membership) -> None:
        if not self.can_sanction_member(target):
            raise self.deny("You cannot change this person's standing.")

    # --- members and profiles ------------------------------------------------------------------
    def can_view_directory(self) -> bool:
        return self.can_read_as_member

    def ensure_can_view_directory(self) -> None:
        if not self.can_view_directory():
            raise self.not_found()

    def can_view_profile(self, person: User) -> bool:
        if self.user is not None and person.pk == self.user.pk:
            return True
        if self.is_moderator:
            return True
        membership = getattr(person, "membership", None)
        visible_state = membership is not None and membership.state in (
            Membership.ACTIVE,
            Membership.SUSPENDED,
        )
        return self.can_read_as_member and visible_state

    def ensure_can_view_profile(self, person: User) -> None:
        if not self.can_view_profile(person):
            raise self.not_found()

    def visible_members(self, qs: QuerySet[Membership]) -> QuerySet[Membership]:
        if not self.can_read_as_member:
            return qs.none()
        if self.is_moderator:
            return qs
        return qs.filter(state__in=[Membership.ACTIVE, Membership.SUSPENDED])
