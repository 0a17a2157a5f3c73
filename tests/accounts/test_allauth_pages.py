"""django-allauth's pages inside our layout, and the sign-up -> email -> confirmation -> welcome journey."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client
from django.urls import reverse

from factories import PASSWORD
from townhall.accounts.models import User
from townhall.web.allauth import landing_url_for

H1 = re.compile(r"<h1[\s>]")


def assert_in_layout(response: Any) -> str:
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert 'id="main"' in html and "Skip to content" in html, "allauth page must extend base.html"
    assert len(H1.findall(html)) == 1, "exactly one h1"
    assert "townhall.css" in html
    assert "<script>" not in html, "no inline scripts under the CSP"
    return html


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"]
)
def test_entrance_pages_render_in_our_layout(client: Client, community: Any, name: str) -> None:
    assert_in_layout(client.get(reverse(name)))


def test_login_form_fields_have_labels(client: Client, community: Any) -> None:
    html = assert_in_layout(client.get(reverse("account_login")))
    assert 'class="card narrow auth-form"' in html
    for field_id in re.findall(r'<input[^>]+id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id


def test_verification_sent_page(client: Client, community: Any) -> None:
    assert_in_layout(client.get(reverse("account_email_verification_sent")))


@pytest.mark.parametrize(
    "name",
    [
        "account_email",
        "account_change_password",
        "mfa_index",
    ],
)
def test_manage_pages_render_with_settings_nav(client_for: Any, member: User, name: str) -> None:
    html = assert_in_layout(client_for(member).get(reverse(name)))
    assert 'aria-label="Settings"' in html


def test_totp_activation_and_recovery_codes(client_for: Any, member: User) -> None:
    from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

    client = client_for(member)
    # Activating 2FA asks to confirm the password first (allauth's reauthentication page).
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert_in_layout(page)
    secret = page.context["form"].secret
    code = None
    for counter in yield_hotp_counters_from_time():
        code = hotp_value(secret, counter)
        break
    response = client.post(reverse("mfa_activate_totp"), {"code": f"{code:06d}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_in_layout(client.get(reverse("mfa_index")))
    assert_in_layout(client.get(reverse("mfa_view_recovery_codes")))
    assert_in_layout(client.get(reverse("mfa_generate_recovery_codes")))


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:3000]


def test_wrong_password_on_reauthentication_is_refused(client_for: Any, member: User) -> None:
    response = client_for(member).post(reverse("account_reauthenticate"), {"password": "nope-nope-nope"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_totp_activation_needs_recent_sign_in(client_for: Any, member: User) -> None:
    client = client_for(member)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert_in_layout(client.get(response["Location"]))


def test_wrong_totp_code_is_refused(member: User) -> None:
    from allauth.mfa.models import Authenticator

    client = Client()
    client.force_login(member)
    reauthenticate(client)
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Authenticator.objects.filter(user=member).exists()


def test_password_reset_from_key_page(client: Client, member: User, outbox: Any) -> None:
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    messages = outbox.to(member.email)
    assert len(messages) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", outbox.body(messages[0]))
    assert link is not None
    page = client.get(link.group(1), follow=True)
    html = assert_in_layout(page)
    assert "password1" in html
    done = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link.group(1),
        {"password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"},
        follow=True,
    )
    assert_in_layout(done)
    member.refresh_from_db()
    assert member.check_password("a-new-long-passphrase")


def test_signup_email_confirmation_logs_in_and_sends_to_welcome(
    client: Client, community: Any, outbox: Any
) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "vega@example.org",
            "username": "Vega",
            "password1": "twinkle-twinkle-42",
            "password2": "twinkle-twinkle-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert_in_layout(client.get(response["Location"]))
    user = User.objects.get(username="Vega")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session, "mandatory verification: not logged in yet"

    messages = outbox.to("vega@example.org")
    assert len(messages) == 1
    body = outbox.body(messages[0])
    assert "Hello from Night Sky Collective!" in body
    assert "Night Sky Collective" in str(messages[0]["Subject"])
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body)
    assert link is not None, body

    confirm_page = client.get(link.group(1))
    html = assert_in_layout(confirm_page)
    assert "vega@example.org" in html

    confirmed = client.post(link.group(1))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/welcome/"
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_refuses_taken_username_in_other_case(client: Client, member: User) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "username": "MAX",
            "password1": "twinkle-twinkle-42",
            "password2": "twinkle-twinkle-42",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert not User.objects.filter(email="x@example.org").exists()


def test_signup_refuses_bad_username(client: Client, community: Any) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "username": "no spaces!",
            "password1": "twinkle-twinkle-42",
            "password2": "twinkle-twinkle-42",
        },
    )
    assert response.status_code == 200
    assert "3 to 30 letters" in response.content.decode()


def login(client: Client, login: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("account_login"), {"login": login, "password": password})


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("member", "/home/"),
        ("owner", "/home/"),
        ("newcomer", "/welcome/"),
        ("pending", "/welcome/"),
        ("outsider", "/welcome/"),
    ],
)
def test_login_redirects_by_onboarding_state(client: Client, request: Any, persona: str, target: str) -> None:
    user = request.getfixturevalue(persona)
    response = login(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == target
    assert landing_url_for(user) == target


def test_login_by_email_works(client: Client, member: User) -> None:
    assert login(client, member.email)["Location"] == "/home/"


def test_login_respects_safe_next(client: Client, member: User) -> None:
    response = client.post(
        reverse("account_login") + "?next=/settings/", {"login": "max", "password": PASSWORD}
    )
    assert response["Location"] == "/settings/"


def test_wrong_password_shows_an_error(client: Client, member: User) -> None:
    response = login(client, "max", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors


def _login_from(client: Client, address: str, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("account_login"), {"login": username, "password": password}, REMOTE_ADDR=address
    )


def test_repeated_failed_logins_are_rate_limited_with_429(client: Client, member: User) -> None:
    statuses = [login(client, "max", f"wrong-{i}").status_code for i in range(5)]
    assert statuses == [200] * 5
    limited = login(client, "max", "wrong-again")
    assert limited.status_code == 429
    assert "Too many failed sign-ins for this account" in limited.content.decode()
    assert limited["Retry-After"] == "300"
    # Even the right password is refused from this address while the limit lasts.
    refused = login(client, "max")
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_strangers_failures_do_not_lock_the_owner_out(member: User) -> None:
    stranger, owner = Client(), Client()
    statuses = [_login_from(stranger, "203.0.113.66", "max", f"guess-{i}").status_code for i in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    # Max, from home, signs in at once: the stranger used up only their own attempts.
    assert _login_from(owner, "198.51.100.7", "max").status_code == 302
    assert "_auth_user_id" in owner.session
    # The same holds for an IPv6 stranger: addresses in one /64 count as one.
    for i in range(5):
        _login_from(stranger, f"2001:db8:1:2::{i + 1}", "max", "wrong")
    assert _login_from(stranger, "2001:db8:1:2::ff", "max", "wrong").status_code == 429
    assert _login_from(Client(), "2001:db8:9:9::1", "max").status_code == 302


def test_failed_logins_from_one_address_are_limited_across_accounts(
    client: Client, community: Any, settings: Any
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "5/5m/key,3/10m/ip"}
    for i in range(3):
        assert login(client, f"nobody{i}", "wrong").status_code == 200
    limited = login(client, "someone-else", "wrong")
    assert limited.status_code == 429
    assert "Too many failed sign-ins" in limited.content.decode()


def test_the_configured_login_limits_are_per_account_and_address_and_per_address() -> None:
    from django.conf import settings

    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    assert rates == ["5/5m/key", "30/10m/ip"]


def test_unverified_email_cannot_log_in(client: Client, community: Any, outbox: Any) -> None:
    from factories import make_user

    make_user("unverified", verified=False)
    response = login(client, "unverified")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_email_change_sends_verification(client_for: Any, member: User, outbox: Any) -> None:
    client = client_for(member)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "max.new@example.org"})
    assert response.status_code == 302
    assert outbox.to("max.new@example.org")


def test_outbox_is_real_smtp(outbox: Any) -> None:
    assert not hasattr(mail, "outbox") or not mail.outbox


def current_totp(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

    counter = next(iter(yield_hotp_counters_from_time()))
    return f"{hotp_value(secret, counter):06d}"


def test_login_with_two_factor(client: Client, member: User) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    response = login(client, "max")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert_in_layout(client.get(response["Location"]))
    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    done = client.post(reverse("mfa_authenticate"), {"code": current_totp(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/home/"
    assert int(client.session["_auth_user_id"]) == member.pk


def test_logout_page_and_logout(client_for: Any, member: User) -> None:
    client = client_for(member)
    assert_in_layout(client.get(reverse("account_logout")))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client_for: Any, member: User) -> None:
    client = client_for(member)
    wrong = client.post(
        reverse("account_change_password"),
        {"oldpassword": "nope", "password1": "brand-new-secret-9", "password2": "brand-new-secret-9"},
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors["oldpassword"]
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "brand-new-secret-9", "password2": "brand-new-secret-9"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("brand-new-secret-9")


def test_every_sign_in_limit_answers_429_including_two_factor_codes(rf: Any, community: Any) -> None:
    """allauth raises "too_many_login_attempts" for passwords and for two-factor codes alike."""
    from allauth.core.context import request_context
    from allauth.core.exceptions import ImmediateHttpResponse

    from townhall.web.allauth import AccountAdapter

    request = rf.post("/accounts/2fa/authenticate/")
    request.user = AnonymousUser()
    request.community = community
    with request_context(request), pytest.raises(ImmediateHttpResponse) as caught:
        AccountAdapter(request).validation_error("too_many_login_attempts")
    assert caught.value.response.status_code == 429
    assert AccountAdapter(request).validation_error("unknown_email").code == "unknown_email"
