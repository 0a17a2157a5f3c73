"""What a thread shows (its root, replies, followers and reply form), for the full thread page and for
the side panel beside the channel; shared by the channel's view and the thread views."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest

from townhall.chat import actions, thread_queries
from townhall.chat.forms import ThreadReplyForm
from townhall.chat.models import Message
from townhall.core.errors import NotFound
from townhall.core.ids import parse_id
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space


def fresh_reply_form() -> ThreadReplyForm:
    return ThreadReplyForm(initial={"client_key": uuid.uuid4().hex})


def root_in_space(request: HttpRequest, space: Space, root_id: int) -> Message:
    """The thread's root in this channel; NotFound when unseen, a reply, or in another space."""
    root = thread_queries.get_thread_root_or_404(guardian_of(request), root_id)
    if root.space_id != space.pk:
        raise NotFound("No such thread")
    root.space = space
    return root


def reply_form_context(
    request: HttpRequest, space: Space, root: Message, form: ThreadReplyForm
) -> dict[str, Any]:
    guardian = guardian_of(request)
    return {
        "space": space,
        "root": root,
        "reply_form": form,
        "reply_refusal": guardian.chat.reply_in_thread.reason(root),
        # In an announcement channel members reply in threads but only moderators also post to it.
        "can_send_to_channel": guardian.chat.post.can(space),
    }


def followers_context(request: HttpRequest, space: Space, root: Message) -> dict[str, Any]:
    guardian = guardian_of(request)
    return {
        "space": space,
        "root": root,
        "followers": thread_queries.followers(guardian, root),
        "can_follow": guardian.chat.follow_thread.can(root),
        "can_promote_root": guardian.chat.promote.can(root),
    }


def thread_context(
    request: HttpRequest,
    space: Space,
    root: Message,
    *,
    form: ThreadReplyForm | None = None,
    before: int | None = None,
) -> dict[str, Any]:
    """Everything the thread shows; showing the newest replies marks the thread read up to them."""
    guardian = guardian_of(request)
    page = thread_queries.thread_page(guardian, root, before=before)
    if before is None and page.newest_id:
        actions.mark_thread_read(guardian, root, up_to=page.newest_id)
    return {
        "thread": page,
        "thread_before": before,
        **followers_context(request, space, root),
        **reply_form_context(request, space, root, form or fresh_reply_form()),
    }


def panel_from_query(request: HttpRequest, space: Space) -> dict[str, Any]:
    """The channel page with `?thread=<id>` opens that thread in the side panel (a shared or reloaded
    link); an unknown or unseen thread is simply not opened."""
    root_id = parse_id(request.GET.get("thread"))
    if not root_id:
        return {}
    try:
        root = root_in_space(request, space, root_id)
    except NotFound:
        return {}
    return thread_context(request, space, root)


def unread_threads(request: HttpRequest, space: Space) -> dict[str, Any]:
    return {"threads_unread": thread_queries.unread_threads(guardian_of(request), space)}
