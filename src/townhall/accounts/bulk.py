"""Writing people in bulk, without the sign-up flow: importers and seeding (in the manner of Zulip's
`do_*` functions).

`bulk_create_people` writes accounts with the usernames, emails, names and joining times given, an
email address (verified unless told otherwise) and a password hash: hashing 100,000 passwords would
take hours, so it takes a hash made once (`make_password`) or brought from another system, and without
one the account gets an unusable password (the person sets one by resetting it). Signing up writes no
Activity row and neither does this. No emails are sent. Membership of the community is
`community.bulk.bulk_add_members`.

The checks are those of `townhall createadmin` (`clean_identity`, `taken_identities`, shared with it):
a valid email, a valid @username, neither taken by anyone (regardless of case), plus the profile's
field limits. Each batch is one transaction; after it, `RowsWritten("accounts.user", ids)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from townhall.accounts.models import TIME_ZONES, Interest, User
from townhall.accounts.validators import username_validators
from townhall.core.bulkinsert import insert_rows
from townhall.core.effects import RowsWritten, emit
from townhall.core.errors import Invalid

BATCH = 5000


@dataclass(frozen=True)
class NewPerson:
    username: str
    email: str
    display_name: str = ""
    joined_at: datetime | None = None  # date_joined; None: now
    password_hash: str | None = None  # from make_password() (once for many), or None: unusable
    verified: bool = True  # the email address
    bio: str = ""
    location: str = ""
    time_zone: str = ""
    interest_ids: Sequence[int] = ()


def _first(exc: ValidationError) -> str:
    message = exc.messages[0] if exc.messages else "The value is not valid."
    return message if message.endswith(".") else message + "."


def clean_identity(username: str, email: str) -> tuple[str, str]:
    """A new account's @username and email, trimmed, normalised as `create_user` does, and checked for
    form (not for being taken: taken_identities)."""
    email = User.objects.normalize_email((email or "").strip())
    username = User.normalize_username((username or "").strip().lstrip("@"))
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid(
            f"{email!r} is not a valid email address.", field_errors={"email": ["Not valid."]}
        ) from None
    for validator in username_validators:
        try:
            validator(username)
        except ValidationError as exc:
            raise Invalid(_first(exc), field_errors={"username": [_first(exc)]}) from None
    return username, email


def taken_identities(usernames: Iterable[str], emails: Iterable[str]) -> tuple[set[str], set[str]]:
    """Which of these usernames and emails (lower-cased) an account or an email address already has."""
    names = {name.lower() for name in usernames}
    addresses = {email.lower() for email in emails}
    taken_names: set[str] = set()
    taken_emails: set[str] = set()
    if names:
        taken_names = set(
            User.objects.annotate(key=Lower("username")).filter(key__in=names).values_list("key", flat=True)
        )
    if addresses:
        for model in (User, EmailAddress):
            found = model.objects.annotate(key=Lower("email")).filter(key__in=addresses)
            taken_emails.update(found.values_list("key", flat=True))
    return taken_names, taken_emails


def _text(value: str, field: str, *, collapse: bool = False) -> str:
    value = " ".join(value.split()) if collapse else (value or "").strip()
    limit = getattr(User._meta.get_field(field), "max_length", None)
    if limit is not None and len(value) > limit:
        message = f"{field.replace('_', ' ').capitalize()} can be at most {limit} characters."
        raise Invalid(message, field_errors={field: [message]})
    return value


def _clean(number: int, person: NewPerson) -> tuple[str, str, str, str, str, str]:
    try:
        username, email = clean_identity(person.username, person.email)
        if person.time_zone and person.time_zone not in TIME_ZONES:
            raise Invalid(
                f"{person.time_zone!r} is not a time zone.", field_errors={"time_zone": ["Unknown."]}
            )
        if person.password_hash is not None:
            try:
                identify_hasher(person.password_hash)
            except ValueError:
                raise Invalid(
                    "That is not a password hash this site can check.",
                    field_errors={"password_hash": ["Unknown."]},
                ) from None
        if person.joined_at is not None and timezone.is_naive(person.joined_at):
            raise Invalid("Give times with a time zone.", field_errors={"joined_at": ["Naive time."]})
        return (
            username,
            email,
            _text(person.display_name, "display_name", collapse=True),
            _text(person.bio, "bio"),
            _text(person.location, "location"),
            person.time_zone,
        )
    except Invalid as exc:
        raise Invalid(f"Person {number}: {exc.message}", field_errors=exc.field_errors) from None


def bulk_create_people(people: Iterable[NewPerson], *, batch_size: int = BATCH) -> list[int]:
    """Create accounts (see the module's docstring); returns their ids in the order given.

    Errors: Invalid (a bad or taken username or email, twice in the input too, an unknown password
    hash format or interest, a naive time, a field too long), before anything of that batch is written.
    """
    ids: list[int] = []
    batch: list[NewPerson] = []
    for person in people:
        batch.append(person)
        if len(batch) >= batch_size:
            ids += _write(batch, first=len(ids) + 1)
            batch = []
    if batch:
        ids += _write(batch, first=len(ids) + 1)
    return ids


def _write(batch: list[NewPerson], *, first: int) -> list[int]:
    cleaned = [_clean(first + i, person) for i, person in enumerate(batch)]
    usernames = [values[0] for values in cleaned]
    emails = [values[1] for values in cleaned]
    taken_names, taken_emails = taken_identities(usernames, emails)
    seen_names: set[str] = set()
    seen_emails: set[str] = set()
    for i, (username, email) in enumerate(zip(usernames, emails, strict=True)):
        where = f"Person {first + i}"
        if email.lower() in taken_emails or email.lower() in seen_emails:
            message = f"{where}: an account with the email {email} already exists."
            raise Invalid(message, field_errors={"email": [message]})
        if username.lower() in taken_names or username.lower() in seen_names:
            message = f"{where}: the username @{username} is already taken."
            raise Invalid(message, field_errors={"username": [message]})
        seen_names.add(username.lower())
        seen_emails.add(email.lower())
    wanted = {i for person in batch for i in person.interest_ids}
    known = set(Interest.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    if wanted - known:
        message = f"There is no interest with id {min(wanted - known)}."
        raise Invalid(message, field_errors={"interest_ids": [message]})
    now = timezone.now()
    with transaction.atomic():
        ids = insert_rows(
            User,
            ("username", "email", "display_name", "bio", "location", "time_zone", "password", "date_joined"),
            [
                (*values, person.password_hash or make_password(None), person.joined_at or now)
                for values, person in zip(cleaned, batch, strict=True)
            ],
            returning=True,
        )
        insert_rows(
            EmailAddress,
            ("user_id", "email", "verified", "primary"),
            [
                (pk, email, person.verified, True)
                for pk, email, person in zip(ids, emails, batch, strict=True)
            ],
        )
        insert_rows(
            User.interests.through,
            ("user_id", "interest_id"),
            [
                (pk, interest)
                for pk, person in zip(ids, batch, strict=True)
                for interest in dict.fromkeys(person.interest_ids)
            ],
        )
        emit(RowsWritten("accounts.user", tuple(ids)))
    return ids
