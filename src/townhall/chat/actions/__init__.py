"""Chat's writes: sending, editing, deleting, restoring, pinning and unpinning messages, setting a
channel's topic line, and marking a channel read.

Every action asks the Guardian first, writes in one transaction with its Activity row, emits its domain
event and broadcasts `{type: "chat", op, space_id, message_id}` after the commit (the page then fetches
the message under its reader's own permissions).
"""

from townhall.chat.actions._common import clean_body, clean_client_key
from townhall.chat.actions.attachments import send_message_with_files
from townhall.chat.actions.channel import clean_topic, mark_read, set_topic
from townhall.chat.actions.direct import (
    add_to_conversation,
    leave_conversation,
    rename_conversation,
    start_conversation,
)
from townhall.chat.actions.messages import delete_message, edit_message, restore_message, send_message
from townhall.chat.actions.pins import pin_message, unpin_message
from townhall.chat.actions.promote import promote_thread
from townhall.chat.actions.reactions import react_to_message, toggle_message_reaction, unreact_to_message
from townhall.chat.actions.threads import follow_thread, mark_thread_read, reply_in_thread, unfollow_thread

__all__ = [
    "add_to_conversation",
    "clean_body",
    "clean_client_key",
    "clean_topic",
    "delete_message",
    "edit_message",
    "follow_thread",
    "leave_conversation",
    "mark_read",
    "mark_thread_read",
    "pin_message",
    "promote_thread",
    "react_to_message",
    "rename_conversation",
    "reply_in_thread",
    "restore_message",
    "send_message",
    "send_message_with_files",
    "set_topic",
    "start_conversation",
    "toggle_message_reaction",
    "unfollow_thread",
    "unpin_message",
    "unreact_to_message",
]
