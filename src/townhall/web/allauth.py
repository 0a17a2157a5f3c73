"""django-allauth adapter: where sign-in, sign-up and email confirmation lead, and how their emails read.

It lives above the apps: the answers depend on the community (membership, onboarding, its name)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from townhall.community.models import Membership
from townhall.community.queries import get_community


def landing_url_for(user: Any) -> str:
    """Where someone goes after signing in: home for onboarded active members, onboarding for the rest."""
    if user is None or not user.is_authenticated:
        return reverse("community:onboarding")
    membership = Membership.objects.filter(user_id=user.pk).first()
    if membership is not None and membership.state == Membership.ACTIVE and membership.onboarded:
        return reverse("community:home")
    return reverse("community:onboarding")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_url_for(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return landing_url_for(request.user)

    def get_email_verification_redirect_url(self, email_address: EmailAddress) -> str:
        request = self.request
        if request is not None and request.user.is_authenticated:
            return landing_url_for(request.user)
        return super().get_email_verification_redirect_url(email_address)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every account email names the community and links to the site (not "example.com")."""
        community = get_community()
        context = {
            **context,
            "community": community,
            "community_name": community.name,
            "base_url": settings.BASE_URL,
        }
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        return f"{subject} · {get_community().name}"
