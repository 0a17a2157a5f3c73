"""Rules about the community itself: landing page, joining, members, roles, groups, invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from townhall.community.models import Community, Invitation, Membership
from townhall.importers.models import Placeholder
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule

if TYPE_CHECKING:
    from townhall.accounts.models import User

REVIEWER_ROLES = (Membership.OWNER, Membership.ADMIN, Membership.MODERATOR)


def application_reviewers(qs: QuerySet[Membership]) -> QuerySet[Membership]:
    """The memberships of everyone the `review_applications` rule lets in (to tell them of new ones)."""
    return qs.filter(state=Membership.ACTIVE, role__in=REVIEWER_ROLES)


class CommunityRules(RuleGroup):
    # --- landing & joining -----------------------------------------------------------------------
    @rule
    def view_landing(self, community: Community) -> Refusal | None:
        return None if community.landing_public or self.g.user is not None else UNSEEN

    @rule
    def join(self, community: Community) -> Refusal | None:
        """Start joining (open) or apply (approval) right now, without an invitation."""
        g = self.g
        if g.user is None:
            return refuse("Sign in or create an account first.")
        if g.state == Membership.BANNED:
            return refuse("You have been banned from this community.")
        if g.state in (Membership.ACTIVE, Membership.SUSPENDED):
            return refuse("You are already a member.")
        if g.state == Membership.PENDING:
            return refuse("Your application is waiting for a moderator's review.")
        if community.join_policy == Community.INVITE:
            return refuse("This community is invitation only; ask a member for an invitation.")
        return None

    @rule
    def accept_invitation(self) -> Refusal | None:
        g = self.g
        if g.user is None:
            return refuse("Sign in or create an account to accept this invitation.")
        if g.state == Membership.BANNED:
            return refuse("You have been banned from this community.")
        if g.state in (Membership.ACTIVE, Membership.SUSPENDED):
            return refuse("You are already a member.")
        return None

    @rule
    def leave(self) -> Refusal | None:
        if self.g.is_owner:
            return refuse("The owner cannot leave; hand ownership to another admin first.")
        if self.g.is_suspended:
            return refuse("Your membership is suspended, so you cannot leave for now.")
        if not self.g.is_member:
            return refuse("You are not a member.")
        return None

    @rule
    def onboard(self) -> Refusal | None:
        """Go through onboarding (code of conduct, profile, spaces, introduction): active members only."""
        g = self.g
        if g.user is None:
            return refuse("Sign in first.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot change anything for now.")
        if not g.is_member:
            return refuse("Join the community first.")
        return None

    # --- managing the community --------------------------------------------------------------------
    @rule
    def manage(self) -> Refusal | None:
        return None if self.g.is_admin else refuse("Only the community's admins can change its settings.")

    @rule
    def review_applications(self) -> Refusal | None:
        return None if self.g.is_moderator else refuse("Only moderators can review applications.")

    @rule
    def create_invitation(self, community: Community) -> Refusal | None:
        g = self.g
        if g.is_moderator or (g.is_member and community.join_policy == Community.OPEN):
            return None
        return refuse("Only moderators can invite people to this community.")

    @rule
    def invite_into_group(self) -> Refusal | None:
        """Attach a group (or a space) to an invitation, so the invitee joins it too."""
        return None if self.g.is_moderator else refuse("Only moderators can invite people into a group.")

    @rule
    def revoke_invitation(self, invitation: Invitation) -> Refusal | None:
        """Moderators revoke any invitation; members only the ones they created."""
        g = self.g
        if g.is_moderator or (g.is_member and invitation.created_by_id == g.user_id):
            return None
        return refuse("Only moderators and the person who created it can revoke this invitation.")

    def visible_invitations(self, qs: QuerySet[Invitation]) -> QuerySet[Invitation]:
        """Invitations this person may manage (the `revoke_invitation` rule, in SQL)."""
        g = self.g
        if g.is_moderator:
            return qs
        if not g.is_member:
            return qs.none()
        return qs.filter(created_by_id=g.user_id)

    @rule
    def manage_members(self) -> Refusal | None:
        """See the members settings page (roles and sanctions)."""
        return None if self.g.is_moderator else refuse("Only moderators and admins can manage members.")

    @rule
    def view_member_emails(self) -> Refusal | None:
        """See and search members' email addresses in the members table: admins only (moderators
        manage standing, not contact details)."""
        return None if self.g.is_admin else refuse("Only admins can see members' email addresses.")

    @rule
    def manage_groups(self) -> Refusal | None:
        return None if self.g.is_admin else refuse("Only admins can manage groups.")

    @rule
    def set_role(self, target: Membership, role: str | None = None) -> Refusal | None:
        """Owners set any role but owner; admins promote up to moderator. Nobody changes their own.

        Without `role`: may this person change the target's role at all (to show the control).
        """
        g = self.g
        no = refuse("You cannot give this person that role.")
        if not g.is_admin or target.user_id == g.user_id or target.role == Membership.OWNER:
            return no
        if role is None:
            return None if g.is_owner or target.role != Membership.ADMIN else no
        if role == Membership.OWNER or role not in Membership.ROLE_RANK:
            return no
        if g.is_owner:
            return None
        if target.role != Membership.ADMIN and role in (Membership.MODERATOR, Membership.MEMBER):
            return None
        return no

    @rule
    def sanction_member(self, target: Membership) -> Refusal | None:
        """Suspend, ban or restore: moderators act on plain members, admins on moderators too."""
        g = self.g
        if g.is_moderator and target.user_id != g.user_id and Membership.ROLE_RANK[target.role] < g.rank():
            return None
        return refuse("You cannot change this person's standing.")

    # --- members and profiles ------------------------------------------------------------------
    @rule
    def view_directory(self) -> Refusal | None:
        return None if self.g.can_read_as_member else UNSEEN

    @rule
    def view_profile(self, person: User) -> Refusal | None:
        g = self.g
        if (g.user is not None and person.pk == g.user.pk) or g.is_moderator:
            return None
        membership = getattr(person, "membership", None)
        visible_state = membership is not None and membership.state in (
            Membership.ACTIVE,
            Membership.SUSPENDED,
        )
        if g.can_read_as_member and not visible_state and not person.is_active:
            # A placeholder (history imported from another platform) shows its "imported" profile.
            visible_state = Placeholder.objects.filter(user_id=person.pk).exists()
        return None if g.can_read_as_member and visible_state else UNSEEN

    def visible_members(self, qs: QuerySet[Membership]) -> QuerySet[Membership]:
        if not self.g.can_read_as_member:
            return qs.none()
        if self.g.is_moderator:
            return qs
        return qs.filter(state__in=[Membership.ACTIVE, Membership.SUSPENDED])
