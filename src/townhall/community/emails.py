"""The community's emails: plain-text bodies rendered from templates/community/emails/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from townhall.community.models import Invitation, Membership
from townhall.community.queries import get_community
from townhall.policy.community import application_reviewers

MEMBERSHIP_SUBJECTS = {
    "approved": "Welcome to {name}: your application was approved",
    "rejected": "Your application to {name}",
    "suspended": "Your membership of {name} is suspended",
    "banned": "You have been banned from {name}",
    "restored": "Your membership of {name} is active again",
}


def absolute(path: str) -> str:
    return settings.BASE_URL.rstrip("/") + path


def send_invitation(invitation: Invitation) -> None:
    community = get_community()
    context = {
        "community": community,
        "invitation": invitation,
        "inviter": invitation.created_by,
        "url": absolute(reverse("community:invitation", args=[invitation.token])),
    }
    body = render_to_string("community/emails/invitation.txt", context)
    subject = f"{invitation.created_by.name} invites you to join {community.name}"
    send_mail(subject, body, None, [invitation.email])


def send_membership_notice(membership: Membership, kind: str) -> None:
    community = get_community()
    context = {
        "community": community,
        "membership": membership,
        "person": membership.user,
        "kind": kind,
        "home_url": absolute(reverse("community:home")),
        "welcome_url": absolute(reverse("community:onboarding")),
        "conduct_url": absolute(reverse("community:conduct")),
    }
    body = render_to_string(f"community/emails/{kind}.txt", context)
    subject = MEMBERSHIP_SUBJECTS[kind].format(name=community.name)
    send_mail(subject, body, None, [membership.user.email])


MAX_MODERATORS_EMAILED = 50


def send_application_notice(membership: Membership) -> int:
    community = get_community()
    moderators = list(
        application_reviewers(Membership.objects.all())
        .select_related("user")
        .order_by("id")[:MAX_MODERATORS_EMAILED]
    )
    recipients = [m.user.email for m in moderators if m.user.email]
    if not recipients:
        return 0
    context = {
        "community": community,
        "membership": membership,
        "person": membership.user,
        "url": absolute(reverse("community:applications")),
    }
    body = render_to_string("community/emails/application.txt", context)
    subject = f"New application to {community.name} from @{membership.user.username}"
    from django.core.mail import EmailMessage

    # One message, moderators in Bcc, so they do not see each other's addresses.
    EmailMessage(subject, body, None, [], bcc=recipients).send()
    return len(recipients)
