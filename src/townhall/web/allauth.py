"""django-allauth adapter: where sign-in, sign-up and email confirmation lead, and how their emails read.

It lives above the apps: the answers depend on the community (membership, onboarding, its name)."""

from __future__ import annotations

import ipaddress
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from townhall.community.models import Membership
from townhall.community.queries import get_community

LOGIN_LIMITED = (
    "Too many failed sign-ins for this account from your network. Wait a few minutes and try again, "
    "or reset your password."
)


def landing_url_for(user: Any) -> str:
    """Where someone goes after signing in: home for onboarded active members, onboarding for the rest."""
    if user is None or not user.is_authenticated:
        return reverse("community:onboarding")
    membership = Membership.objects.filter(user_id=user.pk).first()
    if membership is not None and membership.state == Membership.ACTIVE and membership.onboarded:
        return reverse("community:home")
    return reverse("community:onboarding")


def _network(address: str) -> str:
    """The address, or its /64 for IPv6 (one household or phone usually holds a whole /64)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


class AccountAdapter(DefaultAccountAdapter):
    # --- failed sign-ins ----------------------------------------------------------------------------
    # ACCOUNT_RATE_LIMITS["login_failed"] counts failures per key and per address. allauth's key is the
    # account alone, so five wrong passwords from anywhere locked the owner out too. Our key is the
    # account *and* the address it is tried from: a stranger exhausts only their own attempts, while the
    # per-address budget still bounds guessing across many accounts from one place.
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        site = get_current_site(request)
        login = str(credentials.get("email", credentials.get("username", ""))).lower()
        return f"{site.domain}:{login}:{_network(self.get_client_ip(request))}"

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        """Over a sign-in limit (password, two-factor code), answer 429 with the reason, not a form error."""
        if code == "too_many_login_attempts" and context.request is not None:
            raise ImmediateHttpResponse(self.respond_login_limited(context.request))
        return super().validation_error(code, *args)

    def respond_login_limited(self, request: HttpRequest) -> HttpResponse:
        response = render(request, "429.html", {"reason": LOGIN_LIMITED}, status=429)
        response["Retry-After"] = "300"
        return response

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
