"""Chat messages as search documents. A message has a document unless it is deleted; it is found by
whoever may read its space (the search app filters by space in SQL, like every type)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from html import unescape
from typing import Any

from django.urls import reverse
from django.utils.html import strip_tags

from townhall.chat import events
from townhall.chat.models import Message
from townhall.core.registries import Document, SearchType
from townhall.policy.chat import MESSAGE_KINDS

BATCH = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def message_documents(ids: list[int]) -> list[Document]:
    messages = Message.objects.filter(
        pk__in=ids, deleted_at__isnull=True, space__kind__in=MESSAGE_KINDS
    ).only("id", "space_id", "html", "author_id", "created_at")
    return [
        Document(
            object_id=m.pk,
            space_id=m.space_id,
            title="",
            body=_CONTROL.sub(" ", unescape(strip_tags(m.html))),
            author_id=m.author_id,
            created_at=m.created_at,
        )
        for m in messages
    ]


def all_message_ids() -> Iterator[list[int]]:
    last = 0
    while True:
        batch = list(Message.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1]


def load_messages(ids: list[int]) -> Mapping[int, Message]:
    return Message.objects.filter(deleted_at__isnull=True).select_related("author", "space").in_bulk(ids)


def message_title(message: Message) -> str:
    return f"Chat in {message.space.name}"


def message_api_fields(message: Message) -> dict[str, Any]:
    author = message.author
    return {
        "message_id": message.pk,
        "space": message.space.slug,
        "author": {"username": author.username, "name": author.name} if author is not None else None,
        "url": reverse("chat:message", args=[message.pk]),
    }


MESSAGES = SearchType(
    key="chat-message",
    label="Chat messages",
    model="chat.message",
    documents=message_documents,
    all_ids=all_message_ids,
    load=load_messages,
    hit_template="chat/hit.html",
    title=message_title,
    api_fields=message_api_fields,
    refresh_on={
        events.MessageSent: lambda e: [e.message_id],
        events.ThreadReplied: lambda e: [e.message_id],
        events.MessageEdited: lambda e: [e.message_id],
        events.MessageDeleted: lambda e: [e.message_id],
        events.MessageRestored: lambda e: [e.message_id],
    },
    stylesheets=("chat/chat.css",),
)
