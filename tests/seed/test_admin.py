"""`townhall createadmin`: the first administrator is the owner, later ones are admins."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate

from factories import make_member
from townhall.activity.models import Activity
from townhall.community.models import Membership
from townhall.seed.admin import AdminError, create_admin

pytestmark = pytest.mark.django_db

GOOD = "a-long-unusual-passphrase"


def test_first_admin_becomes_owner_with_verified_email() -> None:
    user, role = create_admin(email="ada@example.org", username="ada", password=GOOD)
    assert role == Membership.OWNER
    assert user.membership.role == Membership.OWNER and user.membership.state == Membership.ACTIVE
    assert EmailAddress.objects.get(user=user).verified
    assert authenticate(username="ada", password=GOOD) == user
    assert Activity.objects.filter(actor=user, verb="community.joined").exists()


def test_later_admins_are_admins(owner: object) -> None:
    user, role = create_admin(email="bob@example.org", username="bob", password=GOOD)
    assert role == Membership.ADMIN == user.membership.role


@pytest.mark.parametrize(
    ("email", "username", "password", "message"),
    [
        ("not-an-email", "ada", GOOD, "is not a valid email address"),
        ("ada@example.org", "a!", GOOD, "Use 3 to 30 letters"),
        ("ada@example.org", "ada", "short", "too short"),
        ("ada@example.org", "ada", "password123", "too common"),
    ],
)
def test_bad_input_is_one_sentence(email: str, username: str, password: str, message: str) -> None:
    with pytest.raises(AdminError, match=message):
        create_admin(email=email, username=username, password=password)


def test_taken_email_and_username() -> None:
    make_member("Taken", email="taken@example.org")
    with pytest.raises(AdminError, match="already exists"):
        create_admin(email="TAKEN@example.org", username="fresh", password=GOOD)
    with pytest.raises(AdminError, match="already taken"):
        create_admin(email="fresh@example.org", username="taken", password=GOOD)
