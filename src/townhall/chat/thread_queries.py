"""Reads about threads: a thread's replies, its followers, and the threads a member follows with their
unread replies. Scoped by the Guardian; every read runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from townhall.chat.models import Message, ThreadFollow
from townhall.chat.queries import PAGE_SIZE, Line, lines_for, single_line, with_blocked_mark
from townhall.core.errors import NotFound
from townhall.core.ids import MAX_ID
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

FOLLOWERS_NAMED = 3  # "Following: Ana, Ben, Cy +3"
THREADS_LISTED = 50


def get_thread_root_or_404(guardian: Guardian, root_id: int) -> Message:
    """The message that opens a thread, if this person may read it; NotFound otherwise (a reply has no
    thread of its own, and answers like a missing message)."""
    root = Message.objects.select_related("space", "author", "promoted_to").filter(pk=root_id).first()
    if root is None or not guardian.chat.view_thread.can(root):
        raise NotFound("No such thread")
    return root


@dataclass
class Followers:
    names: list[str] = field(default_factory=list)  # the first few, in the order they followed
    more: int = 0  # how many others
    following: bool = False  # the viewer follows


@dataclass
class ThreadPage:
    root: Line
    lines: list[Line] = field(default_factory=list)
    earlier_cursor: int | None = None  # load replies before this id; None: this is the first reply
    newest_id: int = 0


def thread_page(guardian: Guardian, root: Message, *, before: int | None = None) -> ThreadPage:
    """The root and its newest PAGE_SIZE replies (before reply `before`, when given), oldest first.
    One query for the replies with their authors, whatever the thread's length."""
    guardian.chat.view_thread.ensure(root)
    space: Space = root.space
    qs = with_blocked_mark(guardian, Message.objects.filter(thread_root_id=root.pk).select_related("author"))
    if before is not None:
        qs = qs.filter(pk__lt=min(before, MAX_ID))
    newest_first = list(qs.order_by("-id")[: PAGE_SIZE + 1])
    replies = list(reversed(newest_first[:PAGE_SIZE]))
    for reply in replies:
        reply.thread_root = root
    page = ThreadPage(root=single_line(guardian, space, root), lines=lines_for(guardian, space, replies))
    if len(newest_first) > PAGE_SIZE and replies:
        page.earlier_cursor = replies[0].pk
    page.newest_id = replies[-1].pk if replies else 0
    return page


def followers(guardian: Guardian, root: Message) -> Followers:
    """Who follows the thread: the first few names, how many more, and whether the viewer does.
    Two queries (the named few with their users; the count and the viewer's row in one)."""
    rows = list(
        ThreadFollow.objects.filter(root_id=root.pk).select_related("user").order_by("id")[:FOLLOWERS_NAMED]
    )
    viewer = guardian.user_id or 0
    totals = ThreadFollow.objects.filter(root_id=root.pk).aggregate(
        total=Count("id"), mine=Count("id", filter=Q(user_id=viewer))
    )
    names = [row.user.name for row in rows]
    return Followers(names=names, more=max(0, totals["total"] - len(names)), following=bool(totals["mine"]))


@dataclass
class FollowedThread:
    root: Message
    unread: int


def _unread_replies(user_id: int) -> Subquery:
    """Replies after the follower's read position, by others and not deleted (what "unread" counts)."""
    counted = (
        Message.objects.filter(thread_root_id=OuterRef("root_id"), id__gt=OuterRef("last_read_id"))
        .filter(deleted_at__isnull=True)
        .exclude(author_id=user_id)
        .order_by()
        .values("thread_root_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(counted, output_field=IntegerField())


def followed_threads(guardian: Guardian, space: Space) -> list[FollowedThread]:
    """The threads of this channel the member follows, the most recent reply first, with their unread
    replies. One query whatever the number of threads (roots, their authors and counts together)."""
    guardian.chat.read.ensure(space)
    if guardian.user_id is None:
        return []
    rows = (
        ThreadFollow.objects.filter(
            user_id=guardian.user_id, root__space_id=space.pk, root__reply_count__gt=0
        )
        .annotate(unread=Coalesce(_unread_replies(guardian.user_id), 0))
        .select_related("root", "root__author", "root__promoted_to")
        .order_by("-root__last_reply_at", "-root_id")[:THREADS_LISTED]
    )
    threads = []
    for row in rows:
        row.root.space = space
        threads.append(FollowedThread(root=row.root, unread=row.unread))
    return threads


def unread_threads(guardian: Guardian, space: Space) -> int:
    """How many threads of this channel the member follows have unread replies. One query."""
    if guardian.user_id is None:
        return 0
    return (
        ThreadFollow.objects.filter(user_id=guardian.user_id, root__space_id=space.pk)
        .annotate(unread=Coalesce(_unread_replies(guardian.user_id), 0))
        .filter(unread__gt=0)
        .count()
    )


def promotion_targets(guardian: Guardian) -> list[Space]:
    """The discussions spaces this person may start a topic in (where a thread may be moved), by name.
    One query; the rule is asked of each space from the Guardian's cached standing."""
    spaces = guardian.spaces.readable(Space.objects.filter(kind="discussion", archived_at__isnull=True))
    return [space for space in spaces.order_by("name") if guardian.discussions.create_topic.can(space)]
