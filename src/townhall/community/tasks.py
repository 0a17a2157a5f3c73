"""Background work for the community: emails. Tasks take ids, re-fetch, and tolerate deleted rows."""

from __future__ import annotations

from django.tasks import task

from townhall.community import emails
from townhall.community.models import Invitation, Membership


@task()
def send_invitation_email(invitation_id: int) -> bool:
    """Email an invitation link, unless it was revoked or deleted in the meantime."""
    invitation = Invitation.objects.select_related("created_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.revoked_at is not None or not invitation.email:
        return False
    emails.send_invitation(invitation)
    return True


@task()
def send_membership_email(membership_id: int, kind: str) -> bool:
    """Tell a person about their application's outcome or a change in their standing."""
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None or kind not in emails.MEMBERSHIP_SUBJECTS:
        return False
    emails.send_membership_notice(membership, kind)
    return True


@task()
def send_application_notice(membership_id: int) -> int:
    """Tell the moderators that someone applied; returns how many were emailed (0 if already reviewed)."""
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None or membership.state != Membership.PENDING:
        return 0
    return emails.send_application_notice(membership)
