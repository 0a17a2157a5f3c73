"""Joining and leaving: open joins, applications and their review, invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.activity.log import record_activity
from townhall.activity.payloads import Person
from townhall.community import tasks
from townhall.community.actions._common import arrival_activity, locked_membership
from townhall.community.events import InvitationAccepted, InvitationData, StandingChanged
from townhall.community.models import Community, Group, GroupMember, Invitation, Membership
from townhall.core.effects import emit, enqueue_on_commit
from townhall.core.errors import Invalid, NotFound
from townhall.spaces.models import Space, SpaceMembership

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_ANSWER_CHARS = 2000
MAX_INVITATION_DAYS = 90
MAX_INVITATION_USES = 1000


def join_community(
    guardian: Guardian, community: Community, *, answers: list[str] | None = None
) -> Membership:
    """Join an open community (active at once) or apply to one that reviews members (pending).

    Applications need an answer to every screening question. Invitation-only communities, banned
    people and existing members get PermissionDenied with the reason. Locks the person's membership
    row (someone who left rejoins on the same row). Records "community.joined" or "community.applied";
    after commit, a task emails the moderators about a new application.
    """
    guardian.community.join.ensure(community)
    user = guardian.user
    assert user is not None
    questions = list(community.screening_questions or [])
    pairs: list[dict[str, str]] = []
    if community.join_policy == Community.APPROVAL:
        given = [str(a or "").strip() for a in (answers or [])]
        given += [""] * (len(questions) - len(given))
        errors: dict[str, list[str]] = {}
        for i, question in enumerate(questions):
            if not given[i]:
                errors[f"answer_{i}"] = ["Please answer this question."]
            elif len(given[i]) > MAX_ANSWER_CHARS:
                errors[f"answer_{i}"] = [f"At most {MAX_ANSWER_CHARS} characters."]
            pairs.append({"question": question, "answer": given[i][:MAX_ANSWER_CHARS]})
        if errors:
            raise Invalid("Please answer every screening question.", field_errors=errors)
    now = timezone.now()
    with transaction.atomic():
        membership = locked_membership(user) or Membership(user=user)
        if membership.pk and membership.state not in (Membership.LEFT,):
            # Raced with another request that already made them a member or applicant.
            raise Invalid("You have already joined or applied.")
        membership.role = Membership.MEMBER
        membership.reviewed_by = None
        membership.reviewed_at = None
        membership.review_note = ""
        if community.join_policy == Community.OPEN:
            membership.state = Membership.ACTIVE
            membership.joined_at = now
            membership.screening_answers = []
        else:
            membership.state = Membership.PENDING
            membership.screening_answers = pairs
        membership.save()
        verb, data = arrival_activity(membership.state, via="join", role=membership.role)
        record_activity(user, verb, membership, data=data)
        op = "joined" if membership.state == Membership.ACTIVE else "applied"
        emit(StandingChanged(user_id=user.pk, actor_id=user.pk, op=op))
        if membership.state == Membership.PENDING:
            enqueue_on_commit(tasks.send_application_notice, membership.pk)
    guardian.refresh()
    return membership


def _invitation_problem(invitation: Invitation, user: Any) -> str | None:
    state = invitation.state
    if state == Invitation.REVOKED:
        return "This invitation has been revoked. Ask the person who invited you for a new one."
    if state == Invitation.EXPIRED:
        return "This invitation has expired. Ask the person who invited you for a new one."
    if state == Invitation.USED_UP:
        return "This invitation has already been used as many times as allowed."
    if invitation.email and user is not None:
        from allauth.account.models import EmailAddress

        addresses = {user.email.lower()}
        addresses |= {
            e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        }
        if invitation.email.lower() not in addresses:
            return (
                f"This invitation was sent to {invitation.email}. Sign in with the account that uses that "
                "address, or add the address to your account first."
            )
    return None


def check_invitation(invitation: Invitation, user: Any = None) -> str | None:
    """Why this invitation cannot be used (by `user`), or None when it can."""
    return _invitation_problem(invitation, user)


def _add_to_space(user: Any, space: Space) -> None:
    row, created = SpaceMembership.objects.get_or_create(space=space, user=user)
    if created:
        Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + 1)
    elif row.state != SpaceMembership.ACTIVE:
        row.state = SpaceMembership.ACTIVE
        row.save(update_fields=["state", "updated_at"])
        Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + 1)


def accept_invitation(guardian: Guardian, token: str) -> Membership:
    """Use an invitation: the person becomes an active member (also when they had applied or left).

    Locks the invitation (select_for_update) so concurrent uses cannot exceed max_uses, then counts
    the use. Adds the person to the invitation's group and space when it names them. Revoked,
    expired, used-up invitations and invitations for another email address raise Invalid with the
    reason; an unknown token is NotFound. Records "invitation.accepted".
    """
    guardian.community.accept_invitation.ensure()
    user = guardian.user
    assert user is not None
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token=token).first()
        if invitation is None:
            raise NotFound("No such invitation")
        problem = _invitation_problem(invitation, user)
        if problem:
            raise Invalid(problem)
        membership = locked_membership(user) or Membership(user=user)
        if membership.pk and membership.state in (Membership.ACTIVE, Membership.SUSPENDED, Membership.BANNED):
            raise Invalid("You are already a member.")
        membership.state = Membership.ACTIVE
        membership.role = Membership.MEMBER
        membership.joined_at = timezone.now()
        membership.invitation = invitation
        membership.save()
        Invitation.objects.filter(pk=invitation.pk).update(uses=F("uses") + 1)
        invitation.uses += 1
        if invitation.group_id:
            GroupMember.objects.get_or_create(group_id=invitation.group_id, user=user)
        if invitation.space_id and invitation.space is not None:
            _add_to_space(user, invitation.space)
        record_activity(user, "invitation.accepted", invitation, space_id=invitation.space_id)
        emit(StandingChanged(user_id=user.pk, actor_id=user.pk, op="joined"))
        emit(
            InvitationAccepted(
                invitation_id=invitation.pk, user_id=user.pk, inviter_id=invitation.created_by_id
            )
        )
    guardian.refresh()
    return membership


def review_application(
    guardian: Guardian, membership: Membership, *, approve: bool, note: str = ""
) -> Membership:
    """Approve (active member) or reject (the application closes; they may apply again) a pending application.

    Moderators only. Locks the membership row; an application that was already reviewed raises
    Invalid. After commit the applicant is emailed the outcome (and the note) by a task.
    Records "application.approved" or "application.rejected".
    """
    guardian.community.review_applications.ensure()
    note = (note or "").strip()
    if len(note) > 500:
        raise Invalid(
            "The note can be at most 500 characters.",
            field_errors={"note": ["The note can be at most 500 characters."]},
        )
    with transaction.atomic():
        row = Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if row is None or row.state != Membership.PENDING:
            raise Invalid("This application has already been reviewed.")
        now = timezone.now()
        row.state = Membership.ACTIVE if approve else Membership.LEFT
        if approve:
            row.joined_at = now
        row.reviewed_by = guardian.user
        row.reviewed_at = now
        row.review_note = note
        row.save()
        verb = "application.approved" if approve else "application.rejected"
        record_activity(guardian.user, verb, row, data=Person(row.user_id))
        emit(
            StandingChanged(
                user_id=row.user_id, actor_id=guardian.user_id, op="approved" if approve else "rejected"
            )
        )
        enqueue_on_commit(tasks.send_membership_email, row.pk, "approved" if approve else "rejected")
    return row


def create_invitation(
    guardian: Guardian,
    community: Community,
    *,
    email: str = "",
    expires_in_days: int | None = 7,
    max_uses: int | None = None,
    group: Group | None = None,
    space: Space | None = None,
    note: str = "",
) -> Invitation:
    """Create a shareable invitation link, or (with `email`) an invitation emailed after commit by a task.

    An email invitation is good for one use. Expiry is 1-90 days (None: never), max_uses 1-1000
    (None: unlimited). Only moderators attach a group or a space they moderate. Records
    "invitation.created".
    """
    guardian.community.create_invitation.ensure(community)
    user = guardian.user
    assert user is not None
    email = (email or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_INVITATION_DAYS:
        errors["expires_in_days"] = [f"Choose between 1 and {MAX_INVITATION_DAYS} days."]
    if max_uses is not None and not 1 <= max_uses <= MAX_INVITATION_USES:
        errors["max_uses"] = [f"Choose between 1 and {MAX_INVITATION_USES} uses."]
    if len(note or "") > 500:
        errors["note"] = ["At most 500 characters."]
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Enter a valid email address."]
        else:
            taken = Membership.objects.filter(
                user__email__iexact=email, state__in=[Membership.ACTIVE, Membership.SUSPENDED]
            )
            if taken.exists():
                errors["email"] = ["This person is already a member."]
        max_uses = 1
    if group is not None:
        group_refusal = guardian.community.invite_into_group.reason()
        if group_refusal:
            errors["group"] = [group_refusal]
    if space is not None and not guardian.spaces.moderate.can(space):
        errors["space"] = ["Only this space's moderators can invite people into it."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, field_errors=errors)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            token=secrets.token_urlsafe(32),
            email=email,
            created_by=user,
            expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
            max_uses=max_uses,
            group=group,
            space=space,
            note=(note or "").strip(),
        )
        record_activity(guardian.user, "invitation.created", invitation, data=InvitationData(bool(email)))
        if email:
            enqueue_on_commit(tasks.send_invitation_email, invitation.pk)
    return invitation


def revoke_invitation(guardian: Guardian, invitation: Invitation) -> Invitation:
    """Stop an invitation from being used. Moderators, or the member who created it. Idempotent."""
    guardian.community.revoke_invitation.ensure(invitation)
    with transaction.atomic():
        row = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at", "updated_at"])
            record_activity(guardian.user, "invitation.revoked", row)
    return row


def leave_community(guardian: Guardian) -> Membership:
    """Leave: the membership turns "left" (an outsider again) and the person leaves every space and group.

    The owner cannot leave. Locks the membership row. Records "community.left".
    """
    guardian.community.leave.ensure()
    user = guardian.user
    assert user is not None
    with transaction.atomic():
        membership = locked_membership(user)
        assert membership is not None
        membership.state = Membership.LEFT
        membership.role = Membership.MEMBER
        membership.save()
        active = list(
            SpaceMembership.objects.filter(user=user, state=SpaceMembership.ACTIVE).values_list(
                "space_id", flat=True
            )
        )
        SpaceMembership.objects.filter(user=user).delete()
        Space.objects.filter(pk__in=active, member_count__gt=0).update(member_count=F("member_count") - 1)
        GroupMember.objects.filter(user=user).delete()
        record_activity(user, "community.left", membership)
        emit(StandingChanged(user_id=user.pk, actor_id=user.pk, op="left"))
    guardian.refresh()
    return membership
