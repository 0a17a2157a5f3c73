"""The notifications that the community app causes (registered in CommunityConfig.ready()):

- an application to join the community tells those who review applications ("join_request");
- its approval tells the applicant ("request_approved", declared by spaces);
- an accepted invitation tells whoever sent it ("invitation_accepted").
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from townhall.accounts.models import User
from townhall.community.events import InvitationAccepted, StandingChanged
from townhall.community.models import Membership
from townhall.notifications import kinds
from townhall.notifications.checks import register_target, target_visible
from townhall.notifications.kinds import Kind, Notice

REVIEWERS = (Membership.OWNER, Membership.ADMIN, Membership.MODERATOR)

KINDS = [
    Kind("join_request", "Applications to join the community", "📝", "{actor} applied to join",
         still_visible=target_visible, order=85),
    Kind("invitation_accepted", "Your invitations accepted", "🤝", "{actor} accepted your invitation",
         still_visible=target_visible, order=95),
]  # fmt: skip


def register() -> None:
    """From CommunityConfig.ready()."""
    for kind in KINDS:
        kinds.register(kind)
    register_target("application", application_pending)
    register_target("membership", membership_active)
    register_target("user", person_active)
    kinds.on(StandingChanged, standing_changed, name="community.standing_changed")
    kinds.on(InvitationAccepted, invitation_accepted, name="community.invitation_accepted")


def application_pending(guardian: Any, membership_id: int) -> bool:
    pending = Membership.objects.filter(pk=membership_id, state=Membership.PENDING).exists()
    return pending and guardian.community.review_applications.can()


def membership_active(guardian: Any, membership_id: int) -> bool:
    return Membership.objects.filter(pk=membership_id, user_id=guardian.user_id).exists()


def person_active(guardian: Any, user_id: int) -> bool:
    return User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).exists()


def standing_changed(event: StandingChanged) -> list[Notice]:
    if event.op not in ("applied", "approved"):
        return []
    membership = Membership.objects.filter(user_id=event.user_id).first()
    if membership is None:
        return []
    if event.op == "applied":
        if membership.state != Membership.PENDING:
            return []
        reviewers = Membership.objects.filter(state=Membership.ACTIVE, role__in=REVIEWERS)
        return [
            Notice(
                kind="join_request",
                recipient_ids=sorted(reviewers.values_list("user_id", flat=True)),
                source_key=f"application:{membership.pk}",
                url=reverse("community:applications"),
                actor_id=event.user_id,
                target=f"application:{membership.pk}",
            )
        ]
    if membership.state != Membership.ACTIVE:
        return []
    return [
        Notice(
            kind="request_approved",
            recipient_ids=[event.user_id],
            source_key=f"application-approved:{membership.pk}",
            url=reverse("community:home"),
            actor_id=event.actor_id,
            target=f"membership:{membership.pk}",
            data={"title": "the community"},
        )
    ]


def invitation_accepted(event: InvitationAccepted) -> list[Notice]:
    if event.inviter_id is None:
        return []
    person = User.objects.filter(pk=event.user_id).first()
    if person is None:
        return []
    return [
        Notice(
            kind="invitation_accepted",
            recipient_ids=[event.inviter_id],
            source_key=f"invitation:{event.invitation_id}:{event.user_id}",
            url=reverse("accounts:profile", args=[person.username]),
            actor_id=event.user_id,
            target=f"user:{event.user_id}",
        )
    ]
