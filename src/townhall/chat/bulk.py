"""Writing chat messages without a person at the keyboard (seeding, importers): authors and times are
given, and the rows are those `actions.send_message` writes (cleaned text, HTML rendered once with
@mentions linked, one Activity row each naming who was mentioned), in one batch, without rate limits,
slow mode or broadcasts. The search index hears of them through one `RowsWritten("chat.message", ids)`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from townhall.activity.log import build_activity
from townhall.activity.models import Activity
from townhall.chat.actions import clean_body
from townhall.chat.events import MessageSentData
from townhall.chat.models import Message
from townhall.content.mentions import render_posts
from townhall.core.effects import RowsWritten, emit
from townhall.spaces.models import Space


@dataclass(frozen=True)
class NewMessage:
    author_id: int
    body: str
    at: datetime


def bulk_create_messages(space: Space, messages: Sequence[NewMessage]) -> list[Message]:
    """Store `messages` in `space`, oldest first. Raises Invalid for a text `send_message` would refuse
    (empty, over 10,000 characters). Authors are taken as given: the caller writes only members."""
    ordered = sorted(messages, key=lambda m: m.at)
    texts = [clean_body(new.body) for new in ordered]
    # One query finds everyone mentioned in the whole batch (as the discussions bulk layer does).
    rendered = render_posts(texts, hard_breaks=True)
    rows = [
        Message(space=space, author_id=new.author_id, body=text, html=html, created_at=new.at)
        for new, text, (html, _) in zip(ordered, texts, rendered, strict=True)
    ]
    with transaction.atomic():
        created = Message.objects.bulk_create(rows)
        Activity.objects.bulk_create(
            build_activity(
                m.author_id,
                "message.sent",
                m,
                space_id=space.pk,
                data=MessageSentData(chars=len(m.body), mentioned=mentioned),
                at=m.created_at,
            )
            for m, (_, mentioned) in zip(created, rendered, strict=True)
        )
        emit(RowsWritten("chat.message", tuple(m.pk for m in created)))
    return created
