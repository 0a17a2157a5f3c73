"""Writes about spaces: creating and changing them, space membership, space moderators, the sidebar.

Every action asks the Guardian first, writes inside one transaction, appends an Activity row and
schedules its broadcasts for after the commit (see broadcasts.py for the audiences).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from townhall.activity.log import record_activity
from townhall.activity.payloads import Direction, Fields, Name, Person, Via
from townhall.community.models import Group, Membership
from townhall.core.effects import emit
from townhall.core.errors import Invalid, PermissionDenied
from townhall.core.images import ImageRejected, sanitize_image
from townhall.core.registries import listed_kind_choices, space_kinds
from townhall.spaces import broadcasts
from townhall.spaces.events import LeftData, SectionData, SpaceChanged, SpaceCreated, SpaceMembershipChanged
from townhall.spaces.models import COVER_COLORS, SidebarSection, Space, SpaceMembership

if TYPE_CHECKING:
    from townhall.accounts.models import User
    from townhall.policy import Guardian

NAME_MAX = 80
DESCRIPTION_MAX = 1000
ICON_MAX = 16
SECTION_NAME_MAX = 60
REQUEST_MESSAGE_MAX = 500
SLUG_MAX = 80
UP = "up"
DOWN = "down"
COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_PIXELS = 40_000_000  # refused before decoding; the kept picture is at most COVER_MAX_SIDE wide
COVER_MAX_SIDE = 1600


# --- helpers ---------------------------------------------------------------------------------------
def _actor(guardian: Guardian) -> User:
    """The signed-in person behind a Guardian that has already passed an ensure_* check."""
    if guardian.user is None:
        raise PermissionDenied("Sign in first.")
    return guardian.user


def _lock_space(space: Space) -> Space:
    return Space.objects.select_for_update().get(pk=space.pk)


def _lock_row(space: Space, user_id: int) -> SpaceMembership | None:
    return SpaceMembership.objects.select_for_update().filter(space_id=space.pk, user_id=user_id).first()


def _bump_members(space: Space, delta: int) -> None:
    Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + delta)
    space.refresh_from_db(fields=["member_count"])


def _is_active_member(user: User) -> bool:
    return Membership.objects.filter(user_id=user.pk, state=Membership.ACTIVE).exists()


def _clean_text(value: str, *, field: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{label} is required.", field_errors={field: [f"{label} is required."]})
    if len(value) > max_length:
        message = f"{label} can be at most {max_length} characters."
        raise Invalid(message, field_errors={field: [message]})
    return value


def _clean_choice(value: str, choices: list[tuple[str, str]], *, field: str, label: str) -> str:
    if value not in {key for key, _ in choices}:
        allowed = ", ".join(key for key, _ in choices)
        message = f"{label} must be one of: {allowed}."
        raise Invalid(message, field_errors={field: [message]})
    return value


def clean_kind(kind: str, values: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A registered kind, and its settings checked by the kind's own fields (unknown names refused).
    Personal kinds (direct conversations) are made by their own app, never as a community space."""
    found = space_kinds.get(kind)
    if found is None or not found.listed:
        message = "Kind must be one of: " + ", ".join(key for key, _ in listed_kind_choices()) + "."
        raise Invalid(message, field_errors={"kind": [message]})
    fields = found.settings() if found.settings else {}
    values = dict(values or {})
    unknown = sorted(set(values) - set(fields))
    if unknown:
        message = f"{found.label} spaces have no setting called {unknown[0]!r}."
        raise Invalid(message, field_errors={"kind": [message]})
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, field in fields.items():
        try:
            cleaned[name] = field.clean(values.get(name, field.initial))
        except ValidationError as exc:
            errors[f"{kind}__{name}"] = list(exc.messages)
    if errors:
        raise Invalid(next(iter(errors.values()))[0], field_errors=errors)
    return kind, cleaned


def _clean_direction(direction: str) -> str:
    if direction not in (UP, DOWN):
        raise Invalid(
            'Direction must be "up" or "down".', field_errors={"direction": ['Use "up" or "down".']}
        )
    return direction


def unique_slug(name: str, *, also_taken: Collection[str] = ()) -> str:
    """The slug for a new space: from the name, with "-2", "-3"… when taken (or in `also_taken`)."""
    base = slugify(name)[:SLUG_MAX].strip("-") or "space"
    taken = set(Space.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken.update(also_taken)
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = f"{base[: SLUG_MAX - len(suffix)]}{suffix}"
        if candidate not in taken:
            return candidate
        n += 1


def next_position(section_id: int | None) -> int:
    """The position after the last space of a sidebar section (None: the unsectioned list)."""
    top = Space.objects.filter(section_id=section_id).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# --- spaces --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpaceFields:
    """A new space's settings after clean_space."""

    name: str
    description: str
    icon: str
    kind: str
    kind_settings: dict[str, Any]
    visibility: str
    posting: str


def clean_space(
    *,
    name: str,
    description: str = "",
    icon: str = "💬",
    kind: str = Space.DEFAULT_KIND,
    kind_settings: dict[str, Any] | None = None,
    visibility: str = Space.MEMBERS,
    posting: str = Space.EVERYONE,
) -> SpaceFields:
    """A new space's settings, trimmed and checked (Invalid with the field), as create_space takes them."""
    name = _clean_text(name, field="name", label="Name", max_length=NAME_MAX, required=True)
    description = _clean_text(
        description, field="description", label="Description", max_length=DESCRIPTION_MAX, required=False
    )
    icon = _clean_text(icon, field="icon", label="Icon", max_length=ICON_MAX, required=False) or "💬"
    kind, settings = clean_kind(kind, kind_settings)
    visibility = _clean_choice(visibility, Space.VISIBILITIES, field="visibility", label="Visibility")
    posting = _clean_choice(posting, Space.POSTING, field="posting", label="Who may start posts")
    return SpaceFields(name, description, icon, kind, settings, visibility, posting)


def create_space(
    guardian: Guardian,
    *,
    name: str,
    description: str = "",
    icon: str = "💬",
    kind: str = Space.DEFAULT_KIND,
    kind_settings: dict[str, Any] | None = None,
    visibility: str = Space.MEMBERS,
    posting: str = Space.EVERYONE,
    group: Group | None = None,
    section: SidebarSection | None = None,
) -> Space:
    """Create a space (admins). The slug comes from the name, with "-2", "-3"… on a clash.

    The creator becomes the space's first moderator (an active member). Raises PermissionDenied
    for non-admins and Invalid for bad input. Broadcasts nothing: nobody else is in the space yet.
    """
    guardian.spaces.create.ensure()
    fields = clean_space(
        name=name, description=description, icon=icon, kind=kind, kind_settings=kind_settings,
        visibility=visibility, posting=posting,
    )  # fmt: skip
    for attempt in range(3):
        try:
            with transaction.atomic():
                space = Space.objects.create(
                    name=fields.name,
                    slug=unique_slug(fields.name),
                    description=fields.description,
                    icon=fields.icon,
                    kind=fields.kind,
                    kind_settings=fields.kind_settings,
                    visibility=fields.visibility,
                    posting=fields.posting,
                    group=group,
                    section=section,
                    position=next_position(section.pk if section else None),
                    created_by=_actor(guardian),
                    member_count=1,
                )
                SpaceMembership.objects.create(
                    space=space,
                    user=_actor(guardian),
                    state=SpaceMembership.ACTIVE,
                    role=SpaceMembership.MODERATOR,
                )
                record_activity(guardian.user, "space.created", space, space_id=space.pk)
                emit(SpaceCreated(space_id=space.pk, kind=fields.kind, actor_id=guardian.user_id))
                break
        except IntegrityError:
            # Someone took the same slug between our check and insert; try the next suffix.
            if attempt == 2:
                raise
    guardian.forget(space.pk)
    return space


def update_space(
    guardian: Guardian,
    space: Space,
    *,
    name: str,
    description: str,
    icon: str,
    visibility: str,
    posting: str,
    group: Group | None,
    section: SidebarSection | None,
    kind_settings: dict[str, Any] | None = None,
) -> Space:
    """Change a space's settings (admins). The slug stays, and so does its kind, so links keep working.

    Locks the space row (read-then-write). Broadcasts "updated" to the space's readers and moderators.
    """
    guardian.spaces.manage.ensure(space)
    name = _clean_text(name, field="name", label="Name", max_length=NAME_MAX, required=True)
    description = _clean_text(
        description, field="description", label="Description", max_length=DESCRIPTION_MAX, required=False
    )
    icon = _clean_text(icon, field="icon", label="Icon", max_length=ICON_MAX, required=False) or "💬"
    visibility = _clean_choice(visibility, Space.VISIBILITIES, field="visibility", label="Visibility")
    posting = _clean_choice(posting, Space.POSTING, field="posting", label="Who may start posts")
    settings = clean_kind(space.kind, kind_settings)[1] if kind_settings is not None else None
    with transaction.atomic():
        locked = _lock_space(space)
        changed = {
            key: value
            for key, value in {
                "name": name,
                "description": description,
                "icon": icon,
                "visibility": visibility,
                "posting": posting,
                "group_id": group.pk if group else None,
                "section_id": section.pk if section else None,
                "kind_settings": locked.kind_settings if settings is None else settings,
            }.items()
            if getattr(locked, key) != value
        }
        if "section_id" in changed:
            locked.position = next_position(section.pk if section else None)
        for key, value in changed.items():
            setattr(locked, key, value)
        locked.save()
        if changed:
            record_activity(
                guardian.user, "space.updated", locked, space_id=locked.pk, data=Fields(sorted(changed))
            )
            broadcasts.space_changed(locked, actor_id=guardian.user_id, op="updated")
            emit(
                SpaceChanged(
                    space_id=locked.pk, actor_id=guardian.user_id, op="updated", fields=tuple(sorted(changed))
                )
            )
    _copy_into(space, locked)
    return space


def process_cover_image(upload: Any) -> ContentFile[bytes]:
    """A cover picture checked and redrawn by core.images.sanitize_image: at most COVER_MAX_SIDE pixels on
    its longer side, a still WebP without metadata. Raises Invalid (field "image") with a clear message."""
    size = getattr(upload, "size", None) or 0
    if size > COVER_MAX_BYTES:
        message = "The cover picture must be at most 5 MB."
        raise Invalid(message, field_errors={"image": [message]})
    upload.seek(0)
    try:
        image = sanitize_image(
            upload.read(COVER_MAX_BYTES + 1),
            max_pixels=COVER_MAX_PIXELS,
            max_side=COVER_MAX_SIDE,
            output_format="WEBP",
            animation=False,
            field="image",
        )
    except ImageRejected as exc:
        raise Invalid(exc.message, field_errors={"image": [exc.message]}) from None
    return ContentFile(image.data, name=f"cover.{image.extension}")


def set_space_cover(
    guardian: Guardian, space: Space, *, color: str, image: Any = None, remove_image: bool = False
) -> Space:
    """Choose a space's cover: a palette colour ("" derives one from the name and icon) and, optionally,
    a picture (checked and redrawn without metadata), or remove the picture. Whoever may change the
    space's settings may do this (guardian.spaces.manage).

    Locks the space row. The replaced picture's file is deleted after commit. Raises PermissionDenied,
    or Invalid for a colour outside the palette or a picture that is refused. Broadcasts "updated".
    """
    guardian.spaces.manage.ensure(space)
    color = (color or "").strip()
    if color and color not in {key for key, _label in COVER_COLORS}:
        message = "Choose one of the palette's colours (or Automatic)."
        raise Invalid(message, field_errors={"color": [message]})
    picture = process_cover_image(image) if image is not None else None
    with transaction.atomic():
        locked = _lock_space(space)
        old_file = locked.cover_image.name if locked.cover_image else ""
        changed = []
        if locked.cover_color != color:
            locked.cover_color = color
            changed.append("cover_color")
        if picture is not None:
            locked.cover_image.save(f"{locked.slug}-cover.webp", picture, save=False)
            changed.append("cover_image")
        elif remove_image and old_file:
            locked.cover_image = None
            changed.append("cover_image")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            record_activity(guardian.user, "space.updated", locked, space_id=locked.pk, data=Fields(changed))
            broadcasts.space_changed(locked, actor_id=guardian.user_id, op="updated")
            emit(
                SpaceChanged(
                    space_id=locked.pk, actor_id=guardian.user_id, op="updated", fields=tuple(changed)
                )
            )
        new_file = locked.cover_image.name if locked.cover_image else ""
        if old_file and old_file != new_file:
            storage = locked.cover_image.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    _copy_into(space, locked)
    return space


def _copy_into(target: Space, source: Space) -> None:
    for f in Space._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def archive_space(guardian: Guardian, space: Space) -> Space:
    """Archive a space (admins): it leaves lists and the sidebar, stays readable, takes no posts or joins.

    Locks the space row. Raises Invalid when it is already archived. Broadcasts "archived".
    """
    guardian.spaces.manage.ensure(space)
    with transaction.atomic():
        locked = _lock_space(space)
        if locked.archived_at is not None:
            raise Invalid("This space is already archived.")
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at", "updated_at"])
        record_activity(guardian.user, "space.archived", locked, space_id=locked.pk)
        broadcasts.space_changed(locked, actor_id=guardian.user_id, op="archived")
        emit(SpaceChanged(space_id=locked.pk, actor_id=guardian.user_id, op="archived", fields=()))
    _copy_into(space, locked)
    return space


def unarchive_space(guardian: Guardian, space: Space) -> Space:
    """Bring an archived space back (admins). Locks the space row. Broadcasts "unarchived"."""
    guardian.spaces.manage.ensure(space)
    with transaction.atomic():
        locked = _lock_space(space)
        if locked.archived_at is None:
            raise Invalid("This space is not archived.")
        locked.archived_at = None
        locked.save(update_fields=["archived_at", "updated_at"])
        record_activity(guardian.user, "space.unarchived", locked, space_id=locked.pk)
        broadcasts.space_changed(locked, actor_id=guardian.user_id, op="unarchived")
        emit(SpaceChanged(space_id=locked.pk, actor_id=guardian.user_id, op="unarchived", fields=()))
    _copy_into(space, locked)
    return space


# --- space membership ----------------------------------------------------------------------------
def join_space(guardian: Guardian, space: Space, *, message: str = "") -> SpaceMembership:
    """Join a space the way the Guardian allows: directly (public/members), by accepting an
    invitation, or by asking (private: returns a "requested" row, see request_to_join).

    Locks the space and the person's membership row (read-then-write), so two clicks never count
    twice. Raises NotFound when the space is unseen, PermissionDenied with a reason otherwise.
    Broadcasts "joined" (or "requested") to the person and the space's moderators.
    """
    guardian.spaces.join.ensure(space)
    mode = guardian.spaces.join_mode(space)
    if mode == "request":
        return request_to_join(guardian, space, message=message)
    user = _actor(guardian)
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is not None and row.state == SpaceMembership.ACTIVE:
            raise PermissionDenied("You are already in this space.")
        if row is not None and row.state == SpaceMembership.REQUESTED:
            raise PermissionDenied("Your request to join is waiting for a moderator.")
        if row is None:
            row = SpaceMembership.objects.create(space=locked, user=user, state=SpaceMembership.ACTIVE)
        else:  # accepting an invitation
            row.state = SpaceMembership.ACTIVE
            row.save(update_fields=["state", "updated_at"])
        _bump_members(locked, +1)
        record_activity(user, "space.joined", locked, space_id=locked.pk, data=Via(mode or "join"))
        broadcasts.membership_changed(locked, user_id=user.pk, op="joined")
        emit(
            SpaceMembershipChanged(
                space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="joined"
            )
        )
    space.member_count = locked.member_count
    guardian.forget(space.pk)
    return row


def request_to_join(guardian: Guardian, space: Space, *, message: str = "") -> SpaceMembership:
    """Ask to join a private space; a space moderator (or a community moderator) decides.

    Locks the person's membership row. Broadcasts "requested" to the person and the space's moderators.
    """
    guardian.spaces.join.ensure(space)
    if guardian.spaces.join_mode(space) != "request":
        raise PermissionDenied("This space does not take requests; join it directly.")
    message = _clean_text(
        message, field="message", label="Message", max_length=REQUEST_MESSAGE_MAX, required=False
    )
    user = _actor(guardian)
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is not None:
            raise PermissionDenied("You already asked or are already in this space.")
        row = SpaceMembership.objects.create(
            space=locked, user=user, state=SpaceMembership.REQUESTED, request_message=message
        )
        record_activity(user, "space.join_requested", locked, space_id=locked.pk)
        broadcasts.membership_changed(locked, user_id=user.pk, op="requested")
        emit(
            SpaceMembershipChanged(
                space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="requested"
            )
        )
    guardian.forget(space.pk)
    return row


def leave_space(guardian: Guardian, space: Space) -> None:
    """Leave a space, withdraw a request, or decline an invitation (the row is removed).

    Locks the row and the space. Raises PermissionDenied when the person is not in the space.
    Broadcasts "left" to the person and the space's moderators.
    """
    guardian.spaces.leave.ensure(space)
    user = _actor(guardian)
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is None:
            raise PermissionDenied("You are not in this space.")
        was_active = row.state == SpaceMembership.ACTIVE
        state = row.state
        row.delete()
        if was_active:
            _bump_members(locked, -1)
        record_activity(user, "space.left", locked, space_id=locked.pk, data=LeftData(state))
        broadcasts.membership_changed(locked, user_id=user.pk, op="left")
        emit(
            SpaceMembershipChanged(space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="left")
        )
    space.member_count = locked.member_count
    guardian.forget(space.pk)


def approve_join_request(guardian: Guardian, space: Space, *, user: User) -> SpaceMembership:
    """Let a person who asked into a private space (space moderators or community moderators).

    Locks the space and the request row. Raises Invalid when there is no request from them, and
    PermissionDenied when they are no longer an active member of the community. Broadcasts
    "approved" to the person and the space's moderators.
    """
    guardian.spaces.moderate.ensure(space)
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is None or row.state != SpaceMembership.REQUESTED:
            raise Invalid(f"There is no request to join from @{user.username}.")
        if not _is_active_member(user):
            raise PermissionDenied(f"@{user.username} is no longer an active member of the community.")
        row.state = SpaceMembership.ACTIVE
        row.save(update_fields=["state", "updated_at"])
        _bump_members(locked, +1)
        record_activity(
            guardian.user, "space.request_approved", row, space_id=locked.pk, data=Person(user.pk)
        )
        broadcasts.membership_changed(locked, user_id=user.pk, op="approved")
        emit(
            SpaceMembershipChanged(
                space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="approved"
            )
        )
    space.member_count = locked.member_count
    return row


def deny_join_request(guardian: Guardian, space: Space, *, user: User) -> None:
    """Turn down a request to join (the row is removed, so the person may ask again later).

    Locks the request row. Raises Invalid when there is no request from them. Broadcasts "denied"
    to the person and the space's moderators.
    """
    guardian.spaces.moderate.ensure(space)
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is None or row.state != SpaceMembership.REQUESTED:
            raise Invalid(f"There is no request to join from @{user.username}.")
        row.delete()
        record_activity(
            guardian.user, "space.request_denied", locked, space_id=locked.pk, data=Person(user.pk)
        )
        broadcasts.membership_changed(locked, user_id=user.pk, op="denied")
        emit(
            SpaceMembershipChanged(
                space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="denied"
            )
        )


def invite_to_space(guardian: Guardian, space: Space, *, user: User) -> SpaceMembership:
    """Invite an active community member into a space (space moderators or community moderators).

    Creates an "invited" row the person accepts by joining; inviting someone who already asked
    approves their request. Locks the space and the row. Raises Invalid when they are already in
    or invited, PermissionDenied when they are not an active member. Broadcasts "invited" (or
    "approved") to the person and the space's moderators.
    """
    guardian.spaces.moderate.ensure(space)
    if space.archived_at is not None:
        raise PermissionDenied("This space is archived, so nobody can join it.")
    if not _is_active_member(user):
        raise PermissionDenied(f"@{user.username} is not an active member of the community.")
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if row is not None and row.state == SpaceMembership.ACTIVE:
            raise Invalid(f"@{user.username} is already in this space.")
        if row is not None and row.state == SpaceMembership.INVITED:
            raise Invalid(f"@{user.username} has already been invited.")
        if row is not None:  # they asked; the invitation answers yes
            row.state = SpaceMembership.ACTIVE
            row.save(update_fields=["state", "updated_at"])
            _bump_members(locked, +1)
            record_activity(
                guardian.user, "space.request_approved", row, space_id=locked.pk, data=Person(user.pk)
            )
            broadcasts.membership_changed(locked, user_id=user.pk, op="approved")
            emit(
                SpaceMembershipChanged(
                    space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="approved"
                )
            )
        else:
            row = SpaceMembership.objects.create(space=locked, user=user, state=SpaceMembership.INVITED)
            record_activity(guardian.user, "space.invited", row, space_id=locked.pk, data=Person(user.pk))
            broadcasts.membership_changed(locked, user_id=user.pk, op="invited")
            emit(
                SpaceMembershipChanged(
                    space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op="invited"
                )
            )
    space.member_count = locked.member_count
    return row


def set_space_moderator(
    guardian: Guardian, space: Space, *, user: User, is_moderator: bool
) -> SpaceMembership:
    """Make someone a space moderator, or a plain space member again (admins).

    Making a moderator of someone not yet in the space adds them (active). Locks the space and the
    row. Raises Invalid when nothing would change, PermissionDenied when the person is not an active
    community member. Broadcasts "moderator_added"/"moderator_removed".
    """
    guardian.spaces.manage.ensure(space)
    if is_moderator and not _is_active_member(user):
        raise PermissionDenied(f"@{user.username} is not an active member of the community.")
    with transaction.atomic():
        locked = _lock_space(space)
        row = _lock_row(locked, user.pk)
        if is_moderator:
            if (
                row is not None
                and row.state == SpaceMembership.ACTIVE
                and row.role == SpaceMembership.MODERATOR
            ):
                raise Invalid(f"@{user.username} is already a moderator of this space.")
            if row is None:
                row = SpaceMembership.objects.create(
                    space=locked, user=user, state=SpaceMembership.ACTIVE, role=SpaceMembership.MODERATOR
                )
                _bump_members(locked, +1)
            else:
                if row.state != SpaceMembership.ACTIVE:
                    _bump_members(locked, +1)
                row.state = SpaceMembership.ACTIVE
                row.role = SpaceMembership.MODERATOR
                row.save(update_fields=["state", "role", "updated_at"])
        else:
            if row is None or row.role != SpaceMembership.MODERATOR:
                raise Invalid(f"@{user.username} is not a moderator of this space.")
            row.role = SpaceMembership.MEMBER
            row.save(update_fields=["role", "updated_at"])
        op = "moderator_added" if is_moderator else "moderator_removed"
        record_activity(guardian.user, f"space.{op}", row, space_id=locked.pk, data=Person(user.pk))
        # The removed moderator no longer appears among the moderators, so they are told directly.
        broadcasts.membership_changed(locked, user_id=user.pk, op=op)
        emit(SpaceMembershipChanged(space_id=locked.pk, user_id=user.pk, actor_id=guardian.user_id, op=op))
    space.member_count = locked.member_count
    if user.pk == guardian.user_id:
        guardian.forget(space.pk)
    return row


# --- sidebar sections and order ----------------------------------------------------------------
def create_section(guardian: Guardian, *, name: str) -> SidebarSection:
    """Add a sidebar section at the bottom (admins)."""
    guardian.spaces.manage_sidebar.ensure()
    name = _clean_text(name, field="name", label="Section name", max_length=SECTION_NAME_MAX, required=True)
    with transaction.atomic():
        top = SidebarSection.objects.select_for_update().aggregate(top=Max("position"))["top"]
        section = SidebarSection.objects.create(name=name, position=0 if top is None else top + 1)
        record_activity(guardian.user, "section.created", section, data=Name(name))
    return section


def rename_section(guardian: Guardian, section: SidebarSection, *, name: str) -> SidebarSection:
    """Rename a sidebar section (admins)."""
    guardian.spaces.manage_sidebar.ensure()
    name = _clean_text(name, field="name", label="Section name", max_length=SECTION_NAME_MAX, required=True)
    with transaction.atomic():
        SidebarSection.objects.filter(pk=section.pk).update(name=name)
        section.name = name
        record_activity(guardian.user, "section.renamed", section, data=Name(name))
    return section


def delete_section(guardian: Guardian, section: SidebarSection) -> None:
    """Delete a sidebar section (admins); its spaces move to the unsectioned list at the end."""
    guardian.spaces.manage_sidebar.ensure()
    with transaction.atomic():
        spaces = list(
            Space.objects.select_for_update().filter(section_id=section.pk).order_by("position", "id")
        )
        start = next_position(None)
        for offset, space in enumerate(spaces):
            space.section = None
            space.position = start + offset
        Space.objects.bulk_update(spaces, ["section", "position"])
        record_activity(guardian.user, "section.deleted", section, data=Name(section.name))
        SidebarSection.objects.filter(pk=section.pk).delete()


def _swap_in(rows: list[Any], target_pk: int, direction: str) -> list[Any]:
    """Renumber rows 0..n in their current order, then swap the target with its neighbour."""
    index = next(i for i, row in enumerate(rows) if row.pk == target_pk)
    other = index - 1 if direction == UP else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    return rows


def move_section(guardian: Guardian, section: SidebarSection, *, direction: str) -> SidebarSection:
    """Move a section one place up or down (admins). Locks every section while renumbering.

    Moving the first one up (or the last one down) leaves the order as it is.
    """
    guardian.spaces.manage_sidebar.ensure()
    direction = _clean_direction(direction)
    with transaction.atomic():
        rows = list(SidebarSection.objects.select_for_update().order_by("position", "id"))
        if not any(row.pk == section.pk for row in rows):
            raise Invalid("That section no longer exists.")
        rows = _swap_in(rows, section.pk, direction)
        SidebarSection.objects.bulk_update(rows, ["position"])
        record_activity(guardian.user, "section.moved", section, data=Direction(direction))
    section.position = next(row.position for row in rows if row.pk == section.pk)
    return section


def move_space(guardian: Guardian, space: Space, *, direction: str) -> Space:
    """Move a space one place up or down inside its section (admins). Locks the section's spaces."""
    guardian.spaces.manage.ensure(space)
    direction = _clean_direction(direction)
    with transaction.atomic():
        locked = _lock_space(space)
        rows = list(
            Space.objects.select_for_update().filter(section_id=locked.section_id).order_by("position", "id")
        )
        rows = _swap_in(rows, locked.pk, direction)
        Space.objects.bulk_update(rows, ["position"])
        record_activity(guardian.user, "space.moved", locked, space_id=locked.pk, data=Direction(direction))
    space.position = next(row.position for row in rows if row.pk == space.pk)
    return space


def assign_section(guardian: Guardian, space: Space, *, section: SidebarSection | None) -> Space:
    """Put a space into a section (or none), at the end of it (admins). Locks the space row."""
    guardian.spaces.manage.ensure(space)
    with transaction.atomic():
        locked = _lock_space(space)
        new_id = section.pk if section else None
        if locked.section_id != new_id:
            locked.section_id = new_id
            locked.position = next_position(new_id)
            locked.save(update_fields=["section", "position", "updated_at"])
            record_activity(
                guardian.user,
                "space.section_assigned",
                locked,
                space_id=locked.pk,
                data=SectionData(new_id),
            )
    _copy_into(space, locked)
    return space
