"""API routes for chat: the same actions and queries as the pages, JSON in and out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from townhall.chat import actions, direct_api, live, queries, thread_api
from townhall.chat.models import Message, MessageAttachment
from townhall.chat.schemas import (
    MessageIn,
    MessageOut,
    MessagePage,
    MessagePatch,
    PinnedList,
    PresenceList,
    ReadIn,
    TopicIn,
    TopicOut,
)
from townhall.content.reactions import ReactionSummary
from townhall.content.schemas import ReactionIn
from townhall.core.api import API_ERRORS, ensure_write
from townhall.core.ids import Id
from townhall.core.schemas import Text
from townhall.policy import Guardian
from townhall.policy.chat import topic as topic_of
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space
from townhall.spaces.queries import get_space_or_404

router = Router(tags=["chat"])
router.add_router("", direct_api.router)


def thread_info(message: Message) -> dict[str, Any]:
    """Where a message stands in threads (read from its own row: no query)."""
    topic = message.promoted_to if message.promoted_to_id else None
    return {
        "root": message.thread_root_id,
        "also_in_channel": message.also_in_channel,
        "reply_count": message.reply_count,
        "last_reply_at": message.last_reply_at,
        "promoted_to": topic.get_absolute_url() if topic is not None else None,
    }


def message_out(
    guardian: Guardian,
    message: Message,
    space: Space,
    reactions: list[ReactionSummary] | None = None,
    attachments: list[MessageAttachment] | None = None,
) -> dict[str, Any]:
    message.space = space
    shown = guardian.chat.view_message_body.can(message) and not getattr(message, "from_blocked", False)
    author = message.author
    return {
        "id": message.pk,
        "space": space.slug,
        "author": {"username": author.username, "name": author.name} if author is not None else None,
        "body": message.body if shown else None,
        "html": message.html if shown else None,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted": message.deleted_at is not None,
        "pinned": message.pinned_at is not None,
        "url": reverse("chat:message", args=[message.pk]),
        "thread": thread_info(message),
        "reactions": [vars(r) for r in reactions or []],
        "attachments": [_file_out(a) for a in attachments or []] if shown else [],
    }


def _file_out(row: MessageAttachment) -> dict[str, Any]:
    u = row.upload
    url = reverse("chat:attachment", args=[row.pk, u.name])
    return {"id": row.pk, "kind": u.kind, "name": u.name, "content_type": u.content_type, "size": u.size,
            "width": u.width, "height": u.height, "url": url}  # fmt: skip


def _chat_space(request: HttpRequest, slug: str) -> Space:
    g = guardian_of(request)
    space = get_space_or_404(g, slug)
    g.chat.read.ensure(space)
    return space


@router.get(
    "/spaces/{slug}/messages", response={200: MessagePage, **API_ERRORS}, summary="A page of chat messages"
)
def list_messages(request: HttpRequest, slug: str, before: Id | None = None) -> Any:
    """The newest 50 messages (before message `before`, when given), oldest first."""
    g = guardian_of(request)
    space = _chat_space(request, slug)
    page = queries.channel_page(g, space, before=before)
    return {
        "items": [
            message_out(g, line.message, space, line.reactions, line.attachments) for line in page.lines
        ],
        "earlier": page.earlier_cursor,
    }


@router.post("/spaces/{slug}/messages", response={201: MessageOut, **API_ERRORS}, summary="Send a message")
def send_message(request: HttpRequest, slug: str, payload: MessageIn) -> Any:
    """Send a message. With `client_key`, sending again returns the first message (201) unchanged."""
    ensure_write(request)
    g = guardian_of(request)
    space = _chat_space(request, slug)
    message = actions.send_message(g, space, body=payload.body, client_key=payload.client_key)
    return Status(201, message_out(g, message, space))


@router.get("/messages/{message_id}", response={200: MessageOut, **API_ERRORS}, summary="One chat message")
def get_message(request: HttpRequest, message_id: Id) -> Any:
    g = guardian_of(request)
    message = queries.get_message_or_404(g, message_id)
    return _in_full(g, message)


@router.patch("/messages/{message_id}", response={200: MessageOut, **API_ERRORS}, summary="Edit a message")
def edit_message(request: HttpRequest, message_id: Id, payload: MessagePatch) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    message = actions.edit_message(g, queries.get_message_or_404(g, message_id), body=payload.body)
    return message_out(g, message, message.space)


@router.delete("/messages/{message_id}", response={200: MessageOut, **API_ERRORS}, summary="Delete a message")
def delete_message(request: HttpRequest, message_id: Id) -> Any:
    """Soft delete (the author, or a moderator); moderators may restore it."""
    ensure_write(request)
    g = guardian_of(request)
    message = actions.delete_message(g, queries.get_message_or_404(g, message_id))
    return message_out(g, message, message.space)


@router.post(
    "/messages/{message_id}/restore", response={200: MessageOut, **API_ERRORS}, summary="Restore a message"
)
def restore_message(request: HttpRequest, message_id: Id) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    message = actions.restore_message(g, queries.get_message_or_404(g, message_id))
    return message_out(g, message, message.space)


@router.get("/spaces/{slug}/pins", response={200: PinnedList, **API_ERRORS}, summary="Pinned messages")
def list_pinned(request: HttpRequest, slug: str) -> Any:
    """The channel's Pinned area: pinned messages that are not deleted, the latest pinned first."""
    g = guardian_of(request)
    space = _chat_space(request, slug)
    return {"items": [message_out(g, m, space) for m in queries.pinned_messages(g, space)]}


@router.post("/messages/{message_id}/pin", response={201: MessageOut, **API_ERRORS}, summary="Pin a message")
def pin_message(request: HttpRequest, message_id: Id) -> Any:
    """Moderators of the space pin a message; pinning one that is pinned already is 403."""
    ensure_write(request)
    g = guardian_of(request)
    message = actions.pin_message(g, queries.get_message_or_404(g, message_id))
    return Status(201, message_out(g, message, message.space))


@router.delete(
    "/messages/{message_id}/pin", response={200: MessageOut, **API_ERRORS}, summary="Unpin a message"
)
def unpin_message(request: HttpRequest, message_id: Id) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    message = actions.unpin_message(g, queries.get_message_or_404(g, message_id))
    return message_out(g, message, message.space)


@router.get("/spaces/{slug}/topic", response={200: TopicOut, **API_ERRORS}, summary="A channel's topic line")
def get_topic(request: HttpRequest, slug: str) -> Any:
    return {"topic": topic_of(_chat_space(request, slug))}


@router.put("/spaces/{slug}/topic", response={200: TopicOut, **API_ERRORS}, summary="Set a channel's topic")
def set_topic(request: HttpRequest, slug: str, payload: TopicIn) -> Any:
    """Moderators of the space set its topic line (plain text, one line); an empty topic clears it."""
    ensure_write(request)
    g = guardian_of(request)
    space = actions.set_topic(g, _chat_space(request, slug), topic=payload.topic)
    return {"topic": topic_of(space)}


@router.post("/spaces/{slug}/read", response={204: None, **API_ERRORS}, summary="Mark a channel read")
def mark_channel_read(request: HttpRequest, slug: str, payload: ReadIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    actions.mark_read(g, _chat_space(request, slug), up_to=payload.up_to)
    return Status(204, None)


@router.get(
    "/spaces/{slug}/presence",
    response={200: PresenceList, **API_ERRORS},
    summary="Who in a channel is online",
)
def channel_presence(request: HttpRequest, slug: str) -> Any:
    g = guardian_of(request)
    space = _chat_space(request, slug)
    return {"people": live.channel_presence(g, space)}


# --- reactions -------------------------------------------------------------------------------------
def _in_full(g: Guardian, message: Message) -> dict[str, Any]:
    line = queries.single_line(g, message.space, message)
    return message_out(g, message, message.space, line.reactions, line.attachments)


@router.post(
    "/messages/{message_id}/reactions", response={200: MessageOut, **API_ERRORS}, summary="React to a message"
)
def add_message_reaction(request: HttpRequest, message_id: Id, payload: ReactionIn) -> Any:
    """Add one of the set's reactions (GET /api/v1/reactions); giving it again changes nothing."""
    ensure_write(request)
    g = guardian_of(request)
    message = queries.get_message_or_404(g, message_id)
    actions.react_to_message(g, message, emoji=payload.emoji)
    return _in_full(g, message)


@router.delete(
    "/messages/{message_id}/reactions/{emoji}",
    response={200: MessageOut, **API_ERRORS},
    summary="Take back a reaction to a message",
)
def remove_message_reaction(request: HttpRequest, message_id: Id, emoji: Text) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    message = queries.get_message_or_404(g, message_id)
    actions.unreact_to_message(g, message, emoji=emoji[:16])
    return _in_full(g, message)


# --- files -----------------------------------------------------------------------------------------
@router.post(
    "/spaces/{slug}/messages/with-files",
    response={201: MessageOut, **API_ERRORS},
    summary="Send a message with files",
)
def send_message_with_files(
    request: HttpRequest,
    slug: str,
    body: Form[str],
    files: File[list[UploadedFile]],
    client_key: Form[str] = "",
) -> Any:
    """Multipart: `body`, up to 10 `files` (images, PDFs, text; sniffed from the content, images
    resized) and an optional `client_key`. Every file is checked before any is stored."""
    ensure_write(request)
    g = guardian_of(request)
    space = _chat_space(request, slug)
    sent = [(f, f.name or "file") for f in files]
    message = actions.send_message_with_files(g, space, body=body, files=sent, client_key=client_key)
    return Status(201, _in_full(g, message))


# Threads live in their own module (given message_out, so that it need not import this one).
router.add_router("/", thread_api.build_router(message_out))
