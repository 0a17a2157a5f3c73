"""Creating an administrator account from the command line (`townhall createadmin`)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.bulk import clean_identity, taken_identities
from townhall.accounts.models import User
from townhall.activity.log import record_activity
from townhall.community.events import JoinedData
from townhall.community.models import Membership
from townhall.core.errors import Invalid


class AdminError(Exception):
    """The input cannot make an administrator; the message is one sentence."""


def _first_message(exc: ValidationError) -> str:
    message = exc.messages[0] if exc.messages else "The value is not valid."
    return message if message.endswith(".") else message + "."


def create_admin(*, email: str, username: str, password: str) -> tuple[User, str]:
    """Create a verified account with an active membership: owner when the community has none, else admin.

    Raises AdminError for an invalid or taken email or username, or a weak password.
    Returns the user and the role given.
    """
    try:
        username, email = clean_identity(username, email)
    except Invalid as exc:
        raise AdminError(exc.message) from None
    taken_names, taken_emails = taken_identities([username], [email])
    if taken_emails:
        raise AdminError(f"An account with the email {email} already exists.")
    if taken_names:
        raise AdminError(f"The username @{username} is already taken.")
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise AdminError(_first_message(exc)) from None

    with transaction.atomic():
        has_owner = (
            Membership.objects.select_for_update()
            .filter(role=Membership.OWNER, state=Membership.ACTIVE)
            .exists()
        )
        role = Membership.ADMIN if has_owner else Membership.OWNER
        user = User.objects.create_user(username=username, email=email, password=password)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        now = timezone.now()
        membership = Membership.objects.create(
            user=user,
            role=role,
            state=Membership.ACTIVE,
            joined_at=now,
            coc_accepted_at=now,
        )
        record_activity(user, "community.joined", membership, data=JoinedData("createadmin", role))
    return user, role
