"""Sending a message with files (up to MAX_ATTACHMENTS). The files are read, sniffed and sanitised by
content.uploads, shared with discussions' posts; here is chat's rule of the lot: every file is checked
before any is stored, so a refused one (or one too many) leaves nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from django.db import transaction

from townhall.chat.actions._common import _existing, clean_body, clean_client_key
from townhall.chat.actions.messages import send_message
from townhall.chat.models import MAX_ATTACHMENTS, Message, MessageAttachment
from townhall.content.uploads import forget, hit_rate_limit, prepare, store
from townhall.core.errors import Invalid
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian


def clean_file_count(count: int) -> None:
    if count > MAX_ATTACHMENTS:
        msg = f"A message can carry at most {MAX_ATTACHMENTS} files (this one has {count})."
        raise Invalid(msg, field_errors={"files": [msg]})


def send_message_with_files(
    guardian: Guardian,
    space: Space,
    *,
    body: str,
    files: Sequence[tuple[IO[bytes], str]],
    client_key: str | None = None,
) -> Message:
    """Send a message with `files` ((file, name) pairs) attached, in the order given.

    Everything is checked before anything is stored: the text, the number of files, each file's size
    and type. The message and its files are written in one transaction; files already written are
    removed when it fails. A repeated `client_key` returns the first message and stores nothing.
    Errors: those of send_message, Invalid (more than 10 files, a file empty, too big or of a type
    not allowed: its name is in the message), RateLimited (uploads count one each).
    Broadcasts `chat/message_created` (the page fetches the message with its files).
    """
    guardian.chat.post.ensure(space)
    clean_file_count(len(files))
    clean_body(body)
    key = clean_client_key(client_key)
    first = _existing(guardian, space, key)
    if first is not None:
        return first
    if not files:
        return send_message(guardian, space, body=body, client_key=key)
    prepared = [prepare(file, name, field="files") for file, name in files]
    hit_rate_limit(guardian.user_id, len(prepared))
    written: list[str] = []
    try:
        with transaction.atomic():
            message = send_message(guardian, space, body=body, client_key=key)
            rows = []
            for position, found in enumerate(prepared):
                upload = store(guardian.user_id, space, found)
                written.append(upload.path)
                rows.append(MessageAttachment(message=message, upload=upload, position=position))
            MessageAttachment.objects.bulk_create(rows)
    except BaseException:
        forget(written)
        raise
    return message
