"""Reply by email in chat: in a message's thread ("thread:99"), or as a message in a channel or
direct conversation ("space:5"). The notifications app verified the address and cleaned the text."""

from __future__ import annotations

from typing import Any

from townhall.chat import actions, thread_queries
from townhall.core.errors import NotFound
from townhall.policy import Guardian
from townhall.spaces.models import Space


def reply_in_thread(guardian: Guardian, root_id: int, markdown: str, notification: Any) -> None:
    root = thread_queries.get_thread_root_or_404(guardian, root_id)
    actions.reply_in_thread(guardian, root, body=markdown)


def send_to_space(guardian: Guardian, space_id: int, markdown: str, notification: Any) -> None:
    space = Space.objects.filter(pk=space_id).first()
    if space is None:
        raise NotFound("Not found")
    actions.send_message(guardian, space, body=markdown)
