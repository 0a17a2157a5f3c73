"""Roles, sanctions (suspend, ban, restore) and groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.activity.log import record_activity
from townhall.activity.payloads import Name, Person
from townhall.community import tasks
from townhall.community.events import GroupMembershipChanged, RoleChangedData, StandingChanged, SuspendedData
from townhall.community.models import Group, GroupMember, Membership
from townhall.core.effects import emit, enqueue_on_commit
from townhall.core.errors import Invalid, NotFound, PermissionDenied

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_REASON = 500
TAKEN = "A group with that name already exists."


def _locked(membership: Membership) -> Membership:
    return Membership.objects.select_for_update().get(pk=membership.pk)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise Invalid(
            f"The reason can be at most {MAX_REASON} characters.",
            field_errors={"reason": [f"The reason can be at most {MAX_REASON} characters."]},
        )
    return reason


def set_member_role(guardian: Guardian, membership: Membership, *, role: str) -> Membership:
    """Give an active or suspended member another role. Owners set any role but owner; admins up to moderator.

    Locks the membership row. Records "member.role_changed".
    """
    if role not in Membership.ROLE_RANK:
        raise Invalid(
            "Choose member, moderator or admin.",
            field_errors={"role": ["Choose member, moderator or admin."]},
        )
    guardian.community.set_role.ensure(membership, role)
    with transaction.atomic():
        row = _locked(membership)
        if row.state not in (Membership.ACTIVE, Membership.SUSPENDED):
            raise Invalid("Only members can be given a role.")
        previous = row.role
        row.role = role
        row.save(update_fields=["role", "updated_at"])
        record_activity(guardian.user, "member.role_changed", row, data=RoleChangedData(previous, role))
        emit(StandingChanged(user_id=row.user_id, actor_id=guardian.user_id, op="role_changed"))
    return row


def suspend_member(
    guardian: Guardian, membership: Membership, *, until: datetime | None = None, reason: str = ""
) -> Membership:
    """Suspend a member: they keep reading but cannot write, until `until` (or until restored).

    Moderators act on members, admins on moderators too. Locks the row; emails the person after
    commit. Records "member.suspended".
    """
    guardian.community.sanction_member.ensure(membership)
    reason = _reason(reason)
    if until is not None and until <= timezone.now():
        raise Invalid(
            "The end of the suspension must be in the future.",
            field_errors={"until": ["The end of the suspension must be in the future."]},
        )
    with transaction.atomic():
        row = _locked(membership)
        if row.state not in (Membership.ACTIVE, Membership.SUSPENDED):
            raise Invalid("Only active members can be suspended.")
        row.state = Membership.SUSPENDED
        row.suspended_until = until
        row.review_note = reason
        row.save(update_fields=["state", "suspended_until", "review_note", "updated_at"])
        record_activity(
            guardian.user, "member.suspended", row, data=SuspendedData(until.isoformat() if until else None)
        )
        emit(StandingChanged(user_id=row.user_id, actor_id=guardian.user_id, op="suspended"))
        enqueue_on_commit(tasks.send_membership_email, row.pk, "suspended")
    return row


def ban_member(guardian: Guardian, membership: Membership, *, reason: str = "") -> Membership:
    """Ban someone: they become an outsider who cannot rejoin, even with an invitation.

    Locks the row; emails the person after commit. Records "member.banned".
    """
    guardian.community.sanction_member.ensure(membership)
    reason = _reason(reason)
    with transaction.atomic():
        row = _locked(membership)
        if row.state == Membership.BANNED:
            raise Invalid("This person is already banned.")
        row.state = Membership.BANNED
        row.suspended_until = None
        row.review_note = reason
        row.save(update_fields=["state", "suspended_until", "review_note", "updated_at"])
        record_activity(guardian.user, "member.banned", row)
        emit(StandingChanged(user_id=row.user_id, actor_id=guardian.user_id, op="banned"))
        enqueue_on_commit(tasks.send_membership_email, row.pk, "banned")
    return row


def restore_member(guardian: Guardian, membership: Membership) -> Membership:
    """Lift a suspension or a ban: the person is an active member again. Locks the row; emails them."""
    guardian.community.sanction_member.ensure(membership)
    with transaction.atomic():
        row = _locked(membership)
        if row.state not in (Membership.SUSPENDED, Membership.BANNED):
            raise Invalid("This person is neither suspended nor banned.")
        row.state = Membership.ACTIVE
        row.suspended_until = None
        row.joined_at = row.joined_at or timezone.now()
        row.save(update_fields=["state", "suspended_until", "joined_at", "updated_at"])
        record_activity(guardian.user, "member.restored", row)
        emit(StandingChanged(user_id=row.user_id, actor_id=guardian.user_id, op="restored"))
        enqueue_on_commit(tasks.send_membership_email, row.pk, "restored")
    return row


# --- groups ---------------------------------------------------------------------------------------
GROUP_MEMBER_STATES = (Membership.ACTIVE, Membership.SUSPENDED)  # who may be put in a group


def not_a_member(username: str) -> Invalid:
    """The refusal for putting someone in a group who is not an active or suspended member."""
    message = f"@{username} is not a member of the community."
    return Invalid(message, field_errors={"username": [message]})


def already_in_group(username: str) -> Invalid:
    """The refusal for putting someone in a group twice."""
    message = f"@{username} is already in this group."
    return Invalid(message, field_errors={"username": [message]})


def clean_group(name: str, description: str) -> tuple[str, str, str]:
    """A group's name, description and slug, trimmed and checked (whether the name is taken: not here)."""
    name, description = (name or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the group a name."]
    elif len(name) > 80:
        errors["name"] = ["At most 80 characters."]
    if len(description) > 500:
        errors["description"] = ["At most 500 characters."]
    slug = slugify(name)[:90]
    if name and not slug:
        errors["name"] = ["Use at least one letter or digit in the name."]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], field_errors=errors)
    return name, description, slug


def _save_group(group: Group) -> None:
    clash = Group.objects.exclude(pk=group.pk).filter(name__iexact=group.name).exists()
    clash = clash or Group.objects.exclude(pk=group.pk).filter(slug=group.slug).exists()
    if clash:
        raise Invalid(TAKEN, field_errors={"name": [TAKEN]})
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise Invalid(TAKEN, field_errors={"name": [TAKEN]}) from None


def create_group(guardian: Guardian, *, name: str, description: str = "") -> Group:
    """Create a named set of members. Admins only; names are unique. Records "group.created"."""
    guardian.community.manage_groups.ensure()
    name, description, slug = clean_group(name, description)
    with transaction.atomic():
        group = Group(name=name, description=description, slug=slug)
        _save_group(group)
        record_activity(guardian.user, "group.created", group)
    return group


def update_group(guardian: Guardian, group: Group, *, name: str, description: str = "") -> Group:
    """Rename or redescribe a group (its slug follows the name). Admins only. Records "group.updated"."""
    guardian.community.manage_groups.ensure()
    name, description, slug = clean_group(name, description)
    with transaction.atomic():
        group.name, group.description, group.slug = name, description, slug
        _save_group(group)
        record_activity(guardian.user, "group.updated", group)
    return group


def delete_group(guardian: Guardian, group: Group) -> None:
    """Delete a group; spaces restricted to it become open to every member. Admins only."""
    guardian.community.manage_groups.ensure()
    with transaction.atomic():
        record_activity(guardian.user, "group.deleted", group, data=Name(group.name))
        members = tuple(GroupMember.objects.filter(group=group).values_list("user_id", flat=True))
        emit(
            GroupMembershipChanged(
                group_id=group.pk, user_ids=members, actor_id=guardian.user_id, op="deleted"
            )
        )
        group.delete()


def add_group_member(guardian: Guardian, group: Group, *, user: Any) -> GroupMember:
    """Add a member (active or suspended) to a group. Admins only. Records "group.member_added"."""
    guardian.community.manage_groups.ensure()
    state = Membership.objects.filter(user_id=user.pk).values_list("state", flat=True).first()
    if state not in GROUP_MEMBER_STATES:
        raise not_a_member(user.username)
    with transaction.atomic():
        row, created = GroupMember.objects.get_or_create(group=group, user=user)
        if not created:
            raise already_in_group(user.username)
        record_activity(guardian.user, "group.member_added", group, data=Person(user.pk))
        emit(
            GroupMembershipChanged(
                group_id=group.pk, user_ids=(user.pk,), actor_id=guardian.user_id, op="added"
            )
        )
    return row


def remove_group_member(guardian: Guardian, group: Group, *, user: Any) -> None:
    """Take someone out of a group. Admins only. Records "group.member_removed"."""
    guardian.community.manage_groups.ensure()
    with transaction.atomic():
        deleted, _ = GroupMember.objects.filter(group=group, user=user).delete()
        if not deleted:
            raise Invalid(f"@{user.username} is not in this group.")
        record_activity(guardian.user, "group.member_removed", group, data=Person(user.pk))
        emit(
            GroupMembershipChanged(
                group_id=group.pk, user_ids=(user.pk,), actor_id=guardian.user_id, op="removed"
            )
        )


# --- bulk ------------------------------------------------------------------------------------------
BULK_MAX = 100
BULK_OPS = ("add_to_group", "remove_from_group", "set_role", "suspend", "restore")


@dataclass
class BulkResult:
    """What a bulk change did: the memberships changed, and those left alone with the reason why."""

    done: list[Membership] = field(default_factory=list)
    refused: list[tuple[Membership, str]] = field(default_factory=list)


def bulk_update_members(
    guardian: Guardian,
    memberships: list[Membership],
    *,
    op: str,
    role: str = "",
    group: Group | None = None,
    until: datetime | None = None,
    reason: str = "",
) -> BulkResult:
    """Apply one change to many members, each through its own action and so the same Guardian rule.

    A rule that does not depend on the row (groups need `manage_groups`) refuses the whole request
    (PermissionDenied); a refusal for some rows (a moderator suspending an admin, setting the role of
    oneself, restoring someone active) leaves those rows alone and is reported in the result, while
    the others change, each in its own transaction (one row's failure never undoes another's).
    Errors: Invalid (unknown op, more than BULK_MAX rows, a missing group or role, a bad reason).
    """
    if op not in BULK_OPS:
        raise Invalid(
            "Choose what to do with the selected members.", field_errors={"op": ["Choose an action."]}
        )
    if not memberships:
        raise Invalid("Select at least one member.", field_errors={"ids": ["Select at least one member."]})
    if len(memberships) > BULK_MAX:
        msg = f"Select at most {BULK_MAX} members at a time."
        raise Invalid(msg, field_errors={"ids": [msg]})
    if op in ("add_to_group", "remove_from_group"):
        guardian.community.manage_groups.ensure()
        if group is None:
            raise Invalid("Choose a group.", field_errors={"group": ["Choose a group."]})
    if op == "set_role" and role not in Membership.ROLE_RANK:
        raise Invalid("Choose a role.", field_errors={"role": ["Choose a role."]})
    reason = _reason(reason)
    result = BulkResult()
    for membership in memberships:
        try:
            if op == "add_to_group":
                assert group is not None
                add_group_member(guardian, group, user=membership.user)
            elif op == "remove_from_group":
                assert group is not None
                remove_group_member(guardian, group, user=membership.user)
            elif op == "set_role":
                set_member_role(guardian, membership, role=role)
            elif op == "suspend":
                suspend_member(guardian, membership, until=until, reason=reason)
            else:
                restore_member(guardian, membership)
        except Invalid as exc:
            result.refused.append((membership, exc.message))
        except PermissionDenied as exc:
            result.refused.append((membership, exc.reason))
        except NotFound:
            result.refused.append((membership, "Not found."))
        else:
            result.done.append(membership)
    return result
