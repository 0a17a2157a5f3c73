"""Direct conversations: starting one (one-to-one or a group), adding people, renaming and leaving.

A conversation is a space of the personal kind "direct" (secret, seen only by its members: see
policy.direct), so messages, editing, deleting, read positions, the live stream and search work as in
any chat space. Each action asks `guardian.direct`, writes in one transaction with its Activity row,
emits ConversationChanged (the members' streams re-subscribe) and broadcasts `direct/<op>` to the
members' own streams after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from townhall.activity.log import record_activity
from townhall.activity.payloads import Name, Person
from townhall.chat.direct import broadcasts
from townhall.chat.direct_events import ConversationChanged, ConversationStartedData
from townhall.chat.models import ChannelRead, Message
from townhall.core import ratelimit
from townhall.core.effects import emit
from townhall.core.errors import Invalid, PermissionDenied
from townhall.policy.direct import KIND, MAX_PEOPLE, participant_ids
from townhall.spaces.models import Space, SpaceMembership

if TYPE_CHECKING:
    from townhall.accounts.models import User
    from townhall.policy import Guardian

NAME_MAX = 80
ICON = "✉️"
START_RATE = "30/h"  # new conversations and additions per person; settings.DM_START_RATE overrides it


def pair_slug(a: int, b: int) -> str:
    """The one slug of the one-to-one conversation between two people (the unique slug makes starting
    it twice at once safe)."""
    low, high = sorted((a, b))
    return f"dm-{low}-{high}"


def clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if "\x00" in text:
        raise Invalid("A name cannot contain the NUL character.", field_errors={"name": ["Remove the NUL character."]})  # fmt: skip
    if len(text) > NAME_MAX:
        message = f"A conversation's name can be at most {NAME_MAX} characters long."
        raise Invalid(message, field_errors={"name": [message]})
    return text


def _default_name(people: Sequence[User]) -> str:
    """What a conversation without a name is called in lists that are not per reader (search, admin)."""
    names = ", ".join(person.name for person in people)
    return names if len(names) <= NAME_MAX else names[: NAME_MAX - 1] + "…"


def start_conversation(
    guardian: Guardian, *, people: Sequence[User], name: str = "", group: bool = False
) -> Space:
    """Open a conversation with `people`: one person (and no name, not `group`) opens the one-to-one
    conversation, the existing one when there is one; otherwise a new group conversation.

    Errors: PermissionDenied (not an active member, a block either way, someone who takes messages from
    contacts only, yourself, over MAX_PEOPLE), Invalid (no one chosen, a name too long), RateLimited
    (more than 30 new conversations or additions an hour).
    Writes the space, its members' rows and their read positions; records `conversation.started`;
    emits ConversationChanged and broadcasts `direct/started` to every member.
    """
    unique: dict[int, User] = {}
    for person in people:
        unique.setdefault(person.pk, person)
    chosen = list(unique.values())
    if not chosen:
        raise Invalid("Choose at least one member to write to.", field_errors={"to": ["Choose at least one member."]})  # fmt: skip
    guardian.direct.start.ensure(chosen)
    me = guardian.user
    assert me is not None
    title = clean_name(name)
    is_group = group or bool(title) or len(chosen) > 1
    if not is_group:
        slug = pair_slug(me.pk, chosen[0].pk)
        existing = Space.objects.filter(slug=slug, kind=KIND).first()
        if existing is not None:
            _rejoin(guardian, existing, [me, chosen[0]])
            return existing
    else:
        slug = f"dm-g-{uuid.uuid4().hex[:16]}"
    ratelimit.hit(f"dm-start:{me.pk}", getattr(settings, "DM_START_RATE", START_RATE))
    everyone = [me, *chosen]
    try:
        with transaction.atomic():
            space = Space.objects.create(
                name=title or _default_name(everyone),
                slug=slug,
                icon=ICON,
                kind=KIND,
                kind_settings={"group": is_group, "named": bool(title)},
                visibility=Space.SECRET,
                member_count=len(everyone),
                created_by=me,
            )
            SpaceMembership.objects.bulk_create(
                SpaceMembership(space=space, user=person, state=SpaceMembership.ACTIVE) for person in everyone
            )
            # Read positions from the start: every message by someone else counts as unread at once.
            ChannelRead.objects.bulk_create(ChannelRead(user=person, space=space) for person in everyone)
            data = ConversationStartedData(people=len(everyone), group=is_group)
            record_activity(me, "conversation.started", space, space_id=space.pk, data=data)
            ids = tuple(person.pk for person in everyone)
            emit(ConversationChanged(space_id=space.pk, actor_id=me.pk, op="started", user_ids=ids))
            broadcasts.conversation_started(space_id=space.pk, user_ids=ids)
    except IntegrityError:
        # The same pair started at the same moment from two tabs: the other request made it first.
        existing = Space.objects.filter(slug=slug, kind=KIND).first()
        if existing is None:
            raise
        return existing
    guardian.forget(space.pk)
    return space


def _rejoin(guardian: Guardian, space: Space, pair: Sequence[User]) -> None:
    """Put back into a one-to-one conversation whichever of the two is no longer in it (someone who left
    the community and came back): the history is theirs again. Locks the space."""
    with transaction.atomic():
        locked = _lock(space)
        present = set(participant_ids(locked))
        missing = [person for person in pair if person.pk not in present]
        if not missing:
            return
        SpaceMembership.objects.filter(space_id=locked.pk, user_id__in=[p.pk for p in missing]).delete()
        SpaceMembership.objects.bulk_create(
            SpaceMembership(space=locked, user=person, state=SpaceMembership.ACTIVE) for person in missing
        )
        Space.objects.filter(pk=locked.pk).update(member_count=F("member_count") + len(missing))
        ids = tuple(person.pk for person in missing)
        emit(ConversationChanged(space_id=locked.pk, actor_id=guardian.user_id, op="started", user_ids=ids))
        broadcasts.conversation_started(space_id=locked.pk, user_ids=ids)
    guardian.forget(space.pk)


def _lock(space: Space) -> Space:
    return Space.objects.select_for_update().get(pk=space.pk)


def add_to_conversation(guardian: Guardian, space: Space, *, person: User) -> SpaceMembership:
    """Add `person` to a group conversation. They see its history; only what comes after counts as
    unread for them. Locks the space (the size limit holds under concurrent adds).

    Errors: NotFound (not in it), PermissionDenied (one-to-one, already in, full, a block, contacts
    only). Records `conversation.member_added`; emits ConversationChanged for the new member and
    broadcasts `direct/added` to every member.
    """
    guardian.direct.add.ensure(space, person)
    me = guardian.user
    assert me is not None
    ratelimit.hit(f"dm-start:{me.pk}", getattr(settings, "DM_START_RATE", START_RATE))
    with transaction.atomic():
        locked = _lock(space)
        if locked.member_count + 1 > MAX_PEOPLE:
            raise PermissionDenied(f"A conversation has at most {MAX_PEOPLE} people.")
        if SpaceMembership.objects.filter(space_id=locked.pk, user_id=person.pk).exists():
            raise PermissionDenied(f"{person.name} is already in this conversation.")
        row = SpaceMembership.objects.create(space=locked, user=person, state=SpaceMembership.ACTIVE)
        Space.objects.filter(pk=locked.pk).update(member_count=F("member_count") + 1)
        newest = Message.objects.filter(space_id=locked.pk).aggregate(newest=Max("id"))["newest"] or 0
        ChannelRead.objects.update_or_create(user=person, space=locked, defaults={"last_read_id": newest})
        record_activity(me, "conversation.member_added", locked, space_id=locked.pk, data=Person(person.pk))
        emit(ConversationChanged(space_id=locked.pk, actor_id=me.pk, op="added", user_ids=(person.pk,)))
        broadcasts.conversation_member_added(space_id=locked.pk, user_ids=participant_ids(locked))
    space.member_count = locked.member_count + 1
    return row


def rename_conversation(guardian: Guardian, space: Space, *, name: str) -> Space:
    """Name a group conversation; an empty name goes back to its members' names. Locks the space.

    Errors: NotFound (not in it), PermissionDenied (one-to-one), Invalid (too long).
    Records `conversation.renamed` (with the old name); broadcasts `direct/renamed` to every member.
    """
    guardian.direct.rename.ensure(space)
    title = clean_name(name)
    me = guardian.user
    assert me is not None
    with transaction.atomic():
        locked = _lock(space)
        old = locked.name
        if title:
            locked.name = title
        else:
            people = SpaceMembership.objects.filter(space_id=locked.pk, state=SpaceMembership.ACTIVE)
            locked.name = _default_name([row.user for row in people.select_related("user").order_by("id")])
        locked.kind_settings = {**(locked.kind_settings or {}), "named": bool(title)}
        locked.save(update_fields=["name", "kind_settings", "updated_at"])
        record_activity(me, "conversation.renamed", locked, space_id=locked.pk, data=Name(old))
        ids = tuple(participant_ids(locked))
        emit(ConversationChanged(space_id=locked.pk, actor_id=me.pk, op="renamed"))
        broadcasts.conversation_renamed(space_id=locked.pk, user_ids=ids)
    space.name, space.kind_settings = locked.name, locked.kind_settings
    return space


def leave_conversation(guardian: Guardian, space: Space) -> None:
    """Leave a group conversation: it disappears from the inbox and its stream stops at once. The last
    one out leaves its history in place, seen by nobody. Locks the space.

    Errors: NotFound (not in it), PermissionDenied (one-to-one). Records `conversation.left`; emits
    ConversationChanged for the leaver; broadcasts `direct/left` to the leaver and those who stay.
    """
    guardian.direct.leave.ensure(space)
    me = guardian.user
    assert me is not None
    with transaction.atomic():
        locked = _lock(space)
        staying = [uid for uid in participant_ids(locked) if uid != me.pk]
        deleted, _ = SpaceMembership.objects.filter(space_id=locked.pk, user_id=me.pk).delete()
        if deleted:
            Space.objects.filter(pk=locked.pk, member_count__gt=0).update(member_count=F("member_count") - 1)
        record_activity(me, "conversation.left", locked, space_id=locked.pk)
        emit(ConversationChanged(space_id=locked.pk, actor_id=me.pk, op="left", user_ids=(me.pk,)))
        broadcasts.conversation_left(space_id=locked.pk, user_ids=[me.pk, *staying])
    guardian.forget(space.pk)
