"""Writes about a person's own account: profile, avatar, access tokens, theme, presence and deletion."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from townhall.accounts.events import (
    AccountDeleted,
    DmPreferenceData,
    MemberBlocked,
    MemberUnblocked,
    ProfileChanged,
    TokenData,
)
from townhall.accounts.forms import ProfileForm, profile_initial
from townhall.accounts.models import AccessToken, Block, Interest, User
from townhall.activity.log import record_activity
from townhall.activity.payloads import Fields
from townhall.community.models import GroupMember, Membership
from townhall.core import ratelimit
from townhall.core.effects import emit, on_commit
from townhall.core.errors import Invalid
from townhall.core.images import sanitize_image

if TYPE_CHECKING:
    from townhall.policy import Guardian

THEME_CYCLE = {"system": "dark", "dark": "light", "light": "system"}
MAX_LIVE_TOKENS = 20
# Per person, for the pages and the API alike (settings THEME_RATE / TOKEN_CREATE_RATE override them).
THEME_RATE = "30/m"
TOKEN_CREATE_RATE = "30/h"
TOKEN_PREFIX = "th_"
PROFILE_FIELDS = (
    "display_name",
    "username",
    "bio",
    "location",
    "time_zone",
    "links",
    "can_help_with",
    "looking_for",
)
MULTI_VALUE_KEYS = {"interests"}


class ProfileInvalid(Invalid):
    """Bad profile input; carries the bound form so a page can show every field's error."""

    def __init__(self, form: ProfileForm) -> None:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        first = next(iter(errors.values()), ["The profile is not valid."])[0]
        super().__init__(first, field_errors=errors)
        self.form = form


def set_theme(user: User, *, theme: str) -> str:
    """Store the person's theme; "toggle" moves to the next one. Returns the theme now in force.

    Raises RateLimited past THEME_RATE changes a minute.
    """
    ratelimit.hit(f"theme:{user.pk}", str(getattr(settings, "THEME_RATE", THEME_RATE)))
    if theme == "toggle":
        theme = THEME_CYCLE.get(user.theme, "system")
    if theme not in THEME_CYCLE:
        theme = "system"
    User.objects.filter(pk=user.pk).update(theme=theme)
    user.theme = theme
    return theme


# --- profile ---------------------------------------------------------------------------------------
def _ensure_self(guardian: Guardian, user: User) -> None:
    guardian.accounts.change_account.ensure(user)


def _plain_data(data: Any) -> dict[str, Any]:
    """A QueryDict (a form post) or a dict (the API) as a plain dict, keeping multi-valued keys as lists."""
    if hasattr(data, "getlist"):
        return {key: data.getlist(key) if key in MULTI_VALUE_KEYS else data.get(key) for key in data}
    return dict(data)


def resolve_interests(names: list[str]) -> list[Interest]:
    """Existing interests matching the names (by slug or by name, any case); missing ones are created."""
    wanted = {slugify(name): name for name in names if slugify(name)}
    if not wanted:
        return []
    lowered = [name.lower() for name in wanted.values()]
    existing: list[Interest] = list(
        Interest.objects.annotate(lname=Lower("name")).filter(Q(slug__in=list(wanted)) | Q(lname__in=lowered))
    )
    by_slug = {i.slug: i for i in existing}
    by_name = {i.name.lower(): i for i in existing}
    result: list[Interest] = []
    for slug, name in wanted.items():
        interest: Interest | None = by_slug.get(slug) or by_name.get(name.lower())
        if interest is None:
            interest, _ = Interest.objects.get_or_create(slug=slug[:50], defaults={"name": name[:40]})
        if interest not in result:
            result.append(interest)
    return result


def update_profile(guardian: Guardian, user: User, *, data: Any, partial: bool = False) -> User:
    """Validate `data` with ProfileForm and save the person's profile.

    `data` is a form post (QueryDict) or a dict. With `partial=True` (the API's PATCH) keys that are
    missing keep their current values; a form post replaces every field (an unticked checkbox means
    "none"). Raises ProfileInvalid (422/form errors) on bad input, PermissionDenied when the caller is
    not this person or is banned. Locks the user row while writing; records Activity "profile.updated".
    """
    _ensure_self(guardian, user)
    values = _plain_data(data)
    if partial:
        merged = profile_initial(user)
        merged.update({k: v for k, v in values.items() if k in merged})
        values = merged
    form = ProfileForm(values, user=user)
    if not form.is_valid():
        raise ProfileInvalid(form)
    cleaned = form.cleaned_data
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changed = [name for name in PROFILE_FIELDS if getattr(locked, name) != cleaned[name]]
        for name in PROFILE_FIELDS:
            setattr(locked, name, cleaned[name])
            setattr(user, name, cleaned[name])
        locked.save(update_fields=[*PROFILE_FIELDS])
        interests = resolve_interests(cleaned["interest_names"])
        before = set(locked.interests.values_list("pk", flat=True))
        locked.interests.set(interests)
        if before != {i.pk for i in interests}:
            changed.append("interests")
        record_activity(user, "profile.updated", user, data=Fields(sorted(changed)))
        emit(ProfileChanged(user_id=user.pk, fields=tuple(sorted(changed))))
    return user


# --- avatar ----------------------------------------------------------------------------------------
def _avatar_bytes(upload: Any) -> bytes:
    """The upload as a square WebP of AVATAR_SIZE, drawn afresh without metadata. Raises Invalid."""
    size = getattr(upload, "size", None)
    max_bytes = settings.AVATAR_MAX_BYTES
    if size is None or size > max_bytes:
        raise Invalid(
            f"That file is too large; pictures can be up to {max_bytes // (1024 * 1024)} MB.",
            field_errors={"avatar": ["The file is too large."]},
        )
    if size == 0:
        raise Invalid("That file is empty.", field_errors={"avatar": ["The file is empty."]})
    upload.seek(0)
    raw = upload.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise Invalid("That file is too large.", field_errors={"avatar": ["The file is too large."]})
    image = sanitize_image(
        raw,
        max_pixels=settings.AVATAR_MAX_PIXELS,
        square=settings.AVATAR_SIZE,
        output_format="WEBP",
        animation=False,  # a profile picture stands still: the first frame
        field="avatar",
    )
    return image.data


def set_avatar(guardian: Guardian, user: User, *, upload: Any) -> User:
    """Replace the person's avatar with the uploaded picture, cropped square, resized and re-encoded.

    The file is really decoded by Pillow; non-images, files over AVATAR_MAX_BYTES and pictures over
    AVATAR_MAX_PIXELS (decompression bombs) raise Invalid with a clear message. The result is saved as
    WebP without metadata; the old file is deleted after commit. Records Activity "profile.avatar_set".
    """
    _ensure_self(guardian, user)
    data = _avatar_bytes(upload)
    name = f"avatars/{user.pk}-{secrets.token_hex(6)}.webp"
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.avatar.name if locked.avatar else ""
        locked.avatar.save(name, ContentFile(data), save=False)
        locked.save(update_fields=["avatar"])
        user.avatar = locked.avatar
        record_activity(user, "profile.avatar_set", user)
        emit(ProfileChanged(user_id=user.pk, fields=("avatar",)))
        if old:
            _delete_file_on_commit(locked, old)
    return user


def remove_avatar(guardian: Guardian, user: User) -> User:
    """Remove the person's avatar (the file is deleted after commit). Records "profile.avatar_removed"."""
    _ensure_self(guardian, user)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old = locked.avatar.name if locked.avatar else ""
        if not old:
            return user
        User.objects.filter(pk=user.pk).update(avatar="")
        user.avatar = ""
        record_activity(user, "profile.avatar_removed", user)
        emit(ProfileChanged(user_id=user.pk, fields=("avatar",)))
        _delete_file_on_commit(locked, old)
    return user


def _delete_file_on_commit(user: User, name: str) -> None:
    storage = user.avatar.storage

    def delete() -> None:
        storage.delete(name)

    on_commit(delete)


# --- personal access tokens -----------------------------------------------------------------------
def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(secret: str) -> tuple[User, str] | None:
    """The user and scope of a live personal access token, or None. Records its last use."""
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret.strip()), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        with transaction.atomic():
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token.scope


def create_access_token(guardian: Guardian, user: User, *, name: str, scope: str) -> tuple[AccessToken, str]:
    """Create a personal access token and return it with its secret (shown once, stored hashed).

    Raises Invalid for a blank/long name, an unknown scope or more than MAX_LIVE_TOKENS live tokens
    (the user row is locked while counting), RateLimited past TOKEN_CREATE_RATE. Records Activity
    "token.created".
    """
    _ensure_self(guardian, user)
    ratelimit.hit(f"token-create:{user.pk}", str(getattr(settings, "TOKEN_CREATE_RATE", TOKEN_CREATE_RATE)))
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Give the token a name.", field_errors={"name": ["This field is required."]})
    if len(name) > 80:
        raise Invalid("Keep the name under 80 characters.", field_errors={"name": ["Too long."]})
    if scope not in (AccessToken.READ, AccessToken.WRITE):
        raise Invalid('The scope must be "read" or "write".', field_errors={"scope": ["Unknown scope."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        live = AccessToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if live >= MAX_LIVE_TOKENS:
            raise Invalid(
                f"You already have {MAX_LIVE_TOKENS} tokens; revoke one you no longer use first.",
                field_errors={"name": ["Too many tokens."]},
            )
        token = AccessToken.objects.create(
            user=user, name=name, scope=scope, prefix=secret[:11], token_hash=hash_token(secret)
        )
        record_activity(user, "token.created", token, data=TokenData(scope))
    return token, secret


def revoke_access_token(guardian: Guardian, token: AccessToken) -> AccessToken:
    """Revoke one of the caller's own tokens (404 for anyone else's). Revoking twice is harmless.

    Records Activity "token.revoked".
    """
    guardian.accounts.manage_token.ensure(token)
    with transaction.atomic():
        locked = AccessToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at", "updated_at"])
            record_activity(guardian.user, "token.revoked", locked)
        token.revoked_at = locked.revoked_at
    return token


# --- deleting an account --------------------------------------------------------------------------
def delete_account(guardian: Guardian, user: User, *, password: str) -> User:
    """Delete (anonymise) the person's own account after checking their password.

    The owner must hand ownership to someone else first (PermissionDenied). A wrong password raises
    Invalid. The row stays so history keeps its shape, but it no longer says who it was: username
    `deleted-<id>`, a placeholder email, an empty profile, no avatar file, an unusable password,
    inactive, membership "left", no email addresses, MFA devices or tokens. Existing sessions stop
    working because the password hash and is_active change. Records Activity "account.deleted".
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    _ensure_self(guardian, user)
    guardian.accounts.delete_account.ensure()
    if not password or not check_password(password, user.password):
        raise Invalid(
            "That password is not correct.", field_errors={"password": ["That password is not correct."]}
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        old_avatar = locked.avatar.name if locked.avatar else ""
        locked.username = f"deleted-{locked.pk}"
        locked.email = f"deleted-{locked.pk}-{secrets.token_hex(4)}@deleted.invalid"
        locked.display_name = ""
        locked.bio = ""
        locked.location = ""
        locked.time_zone = ""
        locked.links = []
        locked.can_help_with = ""
        locked.looking_for = ""
        locked.avatar = ""
        locked.is_active = False
        locked.is_staff = False
        locked.is_superuser = False
        locked.deleted_at = timezone.now()
        locked.set_unusable_password()
        locked.save()
        locked.interests.clear()
        Membership.objects.filter(user=locked).update(state=Membership.LEFT, updated_at=timezone.now())
        GroupMember.objects.filter(user=locked).delete()
        EmailAddress.objects.filter(user=locked).delete()
        Authenticator.objects.filter(user=locked).delete()
        AccessToken.objects.filter(user=locked, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record_activity(locked, "account.deleted", locked)
        emit(AccountDeleted(user_id=locked.pk))
        if old_avatar:
            _delete_file_on_commit(locked, old_avatar)
    return locked


# --- presence ----------------------------------------------------------------------------------------
PRESENCE_RATE = "30/m"


def set_presence_hidden(guardian: Guardian, user: User, *, hidden: bool) -> bool:
    """Hide (or show again) whether this person is online: while hidden, everyone else reads them as
    offline (`realtime.presence.of`, through accounts.presence) and no presence change of theirs is
    announced. Returns the setting now in force.

    Errors: PermissionDenied/NotFound (someone else's account), RateLimited past PRESENCE_RATE a minute.
    """
    _ensure_self(guardian, user)
    ratelimit.hit(f"presence:{user.pk}", str(getattr(settings, "PRESENCE_RATE", PRESENCE_RATE)))
    User.objects.filter(pk=user.pk).update(hide_presence=hidden)
    user.hide_presence = hidden
    return hidden


# --- blocking and who may message me -----------------------------------------------------------------
BLOCK_RATE = "60/h"  # settings.BLOCK_RATE overrides it
MAX_BLOCKS = 1000  # every list has a limit; nobody needs more


def block_member(guardian: Guardian, person: User) -> Block:
    """Block `person`: no direct messages between the two, presence hidden both ways, and their messages
    collapsed for the blocker. Blocking again is a no-op that returns the existing row.

    Errors: PermissionDenied (signed out, banned, oneself), Invalid (over MAX_BLOCKS), RateLimited.
    Records `member.blocked` (private) and emits MemberBlocked after the commit; nothing is broadcast and
    the blocked person is not told.
    """
    guardian.accounts.block.ensure(person)
    user = guardian.user
    assert user is not None
    existing = Block.objects.filter(blocker=user, blocked=person).first()
    if existing is not None:
        return existing
    if Block.objects.filter(blocker=user).count() >= MAX_BLOCKS:
        raise Invalid(f"You can block at most {MAX_BLOCKS:,} members.")
    ratelimit.hit(f"block:{user.pk}", getattr(settings, "BLOCK_RATE", BLOCK_RATE))
    with transaction.atomic():
        row, created = Block.objects.get_or_create(blocker=user, blocked=person)
        if created:
            record_activity(user, "member.blocked", person)
            emit(MemberBlocked(blocker_id=user.pk, blocked_id=person.pk))
    return row


def unblock_member(guardian: Guardian, person: User) -> None:
    """Lift a block. Unblocking someone not blocked writes nothing.

    Errors: PermissionDenied (signed out, banned). Records `member.unblocked`, emits MemberUnblocked.
    """
    guardian.accounts.unblock.ensure(person)
    user = guardian.user
    assert user is not None
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=user, blocked=person).delete()
        if deleted:
            record_activity(user, "member.unblocked", person)
            emit(MemberUnblocked(blocker_id=user.pk, blocked_id=person.pk))


def set_dm_preference(guardian: Guardian, *, contacts_only: bool) -> User:
    """Turn direct messages from non-contacts (people who share no conversation with me) off or on.
    Records `dms.preference_set`. Errors: PermissionDenied (signed out, banned)."""
    guardian.accounts.edit_profile.ensure()
    user = guardian.user
    assert user is not None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(dms_from_contacts_only=contacts_only)
        user.dms_from_contacts_only = contacts_only
        record_activity(user, "dms.preference_set", user, data=DmPreferenceData(contacts_only=contacts_only))
    return user
