"""The claim invitation email: a plain-text body rendered from templates/importers/emails/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from townhall.community.queries import get_community
from townhall.importers.models import ClaimInvitation


def send_claim(invitation_id: int, token: str) -> bool:
    invitation = (
        ClaimInvitation.objects.select_related("placeholder", "created_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.used_at is not None or not invitation.email:
        return False
    community = get_community()
    url = settings.BASE_URL.rstrip("/") + reverse("importers:claim", args=[token])
    context = {
        "community": community,
        "invitation": invitation,
        "placeholder": invitation.placeholder,
        "url": url,
    }
    body = render_to_string("importers/emails/claim.txt", context)
    send_mail(f"Your messages in {community.name} are waiting for you", body, None, [invitation.email])
    return True
