"""Reads about direct conversations: the inbox, the unread total, one conversation, names to suggest.
Scoped by the Guardian: a person only ever reads the conversations they are in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Lower

from townhall.accounts.models import Block, User
from townhall.chat.models import ChannelRead, Message
from townhall.chat.queries import unread_by_space
from townhall.community.models import Membership
from townhall.core.errors import NotFound
from townhall.policy.direct import KIND, is_group
from townhall.spaces.models import Space, SpaceMembership

if TYPE_CHECKING:
    from townhall.policy import Guardian

INBOX_SIZE = 100  # conversations listed; the oldest quiet ones drop off the end
PREVIEW_CHARS = 120
SUGGESTIONS = 200


@dataclass
class Conversation:
    """One conversation as its reader sees it."""

    space: Space
    people: list[User] = field(default_factory=list)  # the other members, by name
    title: str = ""
    last: Message | None = None
    preview: str = ""
    unread: int = 0

    @property
    def is_group(self) -> bool:
        return is_group(self.space)


def title_for(space: Space, others: list[User]) -> str:
    """A named group shows its name; otherwise the other members' names (oneself, when alone)."""
    if (space.kind_settings or {}).get("named"):
        return space.name
    if not others:
        return "Only you"
    names = [person.name for person in others]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return f"{', '.join(names[:2])} and {len(names) - 2} others"


def _preview(message: Message | None, blocked: set[int]) -> str:
    if message is None:
        return "No messages yet"
    if message.deleted_at is not None:
        return "Message deleted"
    if message.author_id in blocked:
        return "Message from a member you blocked"
    text = " ".join(message.body.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


def my_conversations(guardian: Guardian) -> list[Conversation]:
    """The reader's conversations, the one with the newest message first (new empty ones by their
    start), each with the other members, the last message and the unread count.

    Five queries whatever the number of conversations: the spaces, their last messages, their members,
    the unread counts and the reader's blocks.
    """
    if guardian.user_id is None:
        return []
    me = guardian.user_id
    newest = Message.objects.filter(space_id=OuterRef("pk")).order_by("-id")
    spaces = list(
        Space.objects.filter(kind=KIND, memberships__user_id=me, memberships__state=SpaceMembership.ACTIVE)
        .annotate(
            last_id=Subquery(newest.values("id")[:1]), last_at=Subquery(newest.values("created_at")[:1])
        )
        # By the newest message's time (imports and seeding write history out of id order); a new
        # conversation without messages by its start.
        .order_by(F("last_at").desc(nulls_last=True), "-created_at", "-id")[:INBOX_SIZE]
    )
    ids = [space.pk for space in spaces]
    last_ids = [space.last_id for space in spaces if space.last_id]
    last = {m.pk: m for m in Message.objects.filter(pk__in=last_ids).select_related("author")}
    members: dict[int, list[User]] = {pk: [] for pk in ids}
    rows = (
        SpaceMembership.objects.filter(space_id__in=ids, state=SpaceMembership.ACTIVE)
        .exclude(user_id=me)
        .select_related("user")
        .order_by("user__display_name", "user__username", "id")
    )
    for row in rows:
        members[row.space_id].append(row.user)
    unread = unread_by_space(guardian, ids) if ids else {}
    blocked = set(Block.objects.filter(blocker_id=me).values_list("blocked_id", flat=True))
    found = []
    for space in spaces:
        message = last.get(space.last_id)
        found.append(
            Conversation(
                space=space,
                people=members[space.pk],
                title=title_for(space, members[space.pk]),
                last=message,
                preview=_preview(message, blocked),
                unread=unread.get(space.pk, 0),
            )
        )
    return found


def unread_total(guardian: Guardian) -> int:
    """Messages by others, not deleted and not by people the reader blocked, after the reader's read
    position in every conversation they are in. One query (the sidebar's "Messages" count)."""
    me = guardian.user_id
    if me is None:
        return 0
    read = ChannelRead.objects.filter(user_id=me, space_id=OuterRef("space_id")).values("last_read_id")[:1]
    mine = SpaceMembership.objects.filter(user_id=me, state=SpaceMembership.ACTIVE, space__kind=KIND)
    blocked = Block.objects.filter(blocker_id=me).values("blocked_id")
    return (
        Message.objects.filter(space_id__in=mine.values("space_id"), deleted_at__isnull=True)
        .exclude(author_id=me)
        .exclude(author_id__in=blocked)
        .filter(pk__gt=Subquery(read))
        .count()
    )


def get_conversation_or_404(guardian: Guardian, slug: str, *, with_last: bool = False) -> Conversation:
    """The conversation with this slug if the reader is in it; NotFound otherwise (same as missing).
    `with_last`: also its last message, preview and unread count (three more queries, for the API)."""
    space = Space.objects.filter(slug=slug, kind=KIND).first()
    if space is None or not guardian.spaces.read.can(space):
        raise NotFound("No such conversation")
    others = list(
        User.objects.filter(
            space_memberships__space_id=space.pk, space_memberships__state=SpaceMembership.ACTIVE
        )
        .exclude(pk=guardian.user_id or 0)
        .order_by("display_name", "username", "id")
    )
    found = Conversation(space=space, people=others, title=title_for(space, others))
    if with_last:
        found.last = (
            Message.objects.filter(space_id=space.pk).select_related("author").order_by("-id").first()
        )
        blocked = set(Block.objects.filter(blocker_id=guardian.user_id).values_list("blocked_id", flat=True))
        found.preview = _preview(found.last, blocked)
        found.unread = unread_by_space(guardian, [space.pk]).get(space.pk, 0)
    return found


def people_to_suggest(guardian: Guardian) -> list[User]:
    """Active members to offer in the "To" field (not oneself, not people blocked either way). One query."""
    me = guardian.user_id
    if me is None:
        return []
    blocked = Block.objects.filter(Q(blocker_id=me) | Q(blocked_id=me))
    return list(
        User.objects.filter(membership__state=Membership.ACTIVE, deleted_at__isnull=True, is_active=True)
        .exclude(pk=me)
        .exclude(pk__in=blocked.values("blocked_id"))
        .exclude(pk__in=blocked.values("blocker_id"))
        .order_by("username")
        .only("username", "display_name")[:SUGGESTIONS]
    )


def find_people(usernames: list[str]) -> tuple[list[User], list[str]]:
    """The accounts with these usernames (any case, "@" allowed), in the order given, and those not found.
    One query."""
    usernames = [name.strip().lstrip("@") for name in usernames]
    wanted = [name.lower() for name in usernames]
    found = {
        user.username.lower(): user
        for user in User.objects.annotate(lowered=Lower("username")).filter(
            lowered__in=wanted, deleted_at__isnull=True
        )
    }
    return [found[n] for n in wanted if n in found], [
        u for u, n in zip(usernames, wanted, strict=True) if n not in found
    ]
