"""Writing chat messages without a person at the keyboard (seeding, importers): authors and times are
given, and the rows are those `actions.send_message` writes (cleaned text, HTML rendered once, one
Activity row each), in one batch, without rate limits, slow mode or broadcasts. The search index hears
of them through one `RowsWritten("chat.message", ids)`."""

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
from townhall.core.effects import RowsWritten, emit
from townhall.core.markdown import render_markdown
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
    rows = []
    for new in ordered:
        text = clean_body(new.body)
        rows.append(
            Message(
                space=space,
                author_id=new.author_id,
                body=text,
                html=render_markdown(text, hard_breaks=True),
                created_at=new.at,
            )
        )
    with transaction.atomic():
        created = Message.objects.bulk_create(rows)
        Activity.objects.bulk_create(
            build_activity(
                m.author_id,
                "message.sent",
                m,
                space_id=space.pk,
                data=MessageSentData(chars=len(m.body)),
                at=m.created_at,
            )
            for m in created
        )
        emit(RowsWritten("chat.message", tuple(m.pk for m in created)))
    return created
