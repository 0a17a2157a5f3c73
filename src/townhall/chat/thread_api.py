"""API routes for threads: the same actions and queries as the thread pages, JSON in and out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from townhall.chat import actions, queries, thread_queries
from townhall.chat.models import Message
from townhall.chat.schemas import (
    FollowedThreads,
    FollowersOut,
    MessageOut,
    PromoteIn,
    ReplyIn,
    ThreadOut,
    ThreadReadIn,
    TopicRef,
)
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.ids import Id
from townhall.policy import Guardian
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_space_or_404

MessageOutFn = Callable[[Guardian, Message, Space], dict[str, Any]]


def build_router(message_out: MessageOutFn) -> Router:
    """The thread routes, rendering messages with chat's own `message_out`."""
    router = Router(tags=["chat threads"])

    def followers_out(g: Guardian, root: Message) -> dict[str, Any]:
        f = thread_queries.followers(g, root)
        return {"names": f.names, "more": f.more, "following": f.following}

    @router.get("/spaces/{slug}/threads", response={200: FollowedThreads, **API_ERRORS}, summary="Threads you follow")  # fmt: skip
    def list_threads(request: HttpRequest, slug: str) -> Any:
        """The threads of this chat space you follow, the most recent reply first, with unread replies."""
        g = guardian_of(request)
        space = get_space_or_404(g, slug)
        g.chat.read.ensure(space)
        threads = thread_queries.followed_threads(g, space)
        return {"items": [{"root": message_out(g, t.root, space), "unread": t.unread} for t in threads]}

    @router.get("/messages/{message_id}/replies", response={200: ThreadOut, **API_ERRORS}, summary="A thread")
    def list_replies(request: HttpRequest, message_id: Id, before: Id | None = None) -> Any:
        """The message and its newest 50 replies (before reply `before`, when given), oldest first."""
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        page = thread_queries.thread_page(g, root, before=before)
        return {
            "root": message_out(g, root, root.space),
            "items": [message_out(g, line.message, root.space) for line in page.lines],
            "earlier": page.earlier_cursor,
            "followers": followers_out(g, root),
        }

    @router.post("/messages/{message_id}/replies", response={201: MessageOut, **API_ERRORS}, summary="Reply in a thread")  # fmt: skip
    def reply(request: HttpRequest, message_id: Id, payload: ReplyIn) -> Any:
        """Reply in the message's thread. With `client_key`, sending again returns the first reply (201)."""
        ensure_write(request)
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        message = actions.reply_in_thread(
            g, root, body=payload.body, client_key=payload.client_key, also_in_channel=payload.also_in_channel
        )
        return Status(201, message_out(g, queries.get_message_or_404(g, message.pk), root.space))

    @router.post("/messages/{message_id}/replies/read", response={200: FollowersOut, **API_ERRORS}, summary="Mark a thread read")  # fmt: skip
    def read_replies(request: HttpRequest, message_id: Id, payload: ThreadReadIn) -> Any:
        """Remember that you have read the thread up to reply `up_to` (threads you follow; never back)."""
        ensure_write(request)
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        actions.mark_thread_read(g, root, up_to=payload.up_to)
        return followers_out(g, root)

    @router.put("/messages/{message_id}/follow", response={200: FollowersOut, **API_ERRORS}, summary="Follow a thread")  # fmt: skip
    def follow(request: HttpRequest, message_id: Id) -> Any:
        ensure_write(request)
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        actions.follow_thread(g, root)
        return followers_out(g, root)

    @router.delete("/messages/{message_id}/follow", response={200: FollowersOut, **API_ERRORS}, summary="Unfollow a thread")  # fmt: skip
    def unfollow(request: HttpRequest, message_id: Id) -> Any:
        ensure_write(request)
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        actions.unfollow_thread(g, root)
        return followers_out(g, root)

    @router.post("/messages/{message_id}/promote", response={201: TopicRef, **API_ERRORS}, summary="Move a thread to a topic")  # fmt: skip
    def promote(request: HttpRequest, message_id: Id, payload: PromoteIn) -> Any:
        """The message's author or a moderator turns it and its thread into a topic in a discussions space
        (`space`, a slug) they may start topics in; authors and times are kept."""
        ensure_write(request)
        g = guardian_of(request)
        root = thread_queries.get_thread_root_or_404(g, message_id)
        to_space = get_space_or_404(g, payload.space)
        topic = actions.promote_thread(g, root, to_space=to_space, title=payload.title)
        return Status(201, {"id": topic.pk, "title": topic.title, "url": topic.get_absolute_url()})

    return router
