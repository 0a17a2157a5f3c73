"""Every write to discussions goes through here: views, the API and tasks call these functions.

Each action asks the Guardian first (404 when unseen, 403 with a reason when not allowed), validates
its input (Invalid with a message), writes inside a transaction (locking the topic row whenever
counters or positions are read and then written, and re-reading what it checks under that lock),
records an Activity row, emits its domain event, and schedules broadcasts for after the commit.
"""

from townhall.content.reactions import allowed_emoji
from townhall.discussions.actions._common import (
    clean_body,
    clean_kind,
    clean_reply_to,
    clean_tags,
    clean_title,
    opening_post,
)
from townhall.discussions.actions.curation import (
    add_reaction_choice,
    delete_tag,
    merge_tags,
    move_reaction_choice,
    remove_reaction_choice,
    rename_tag,
)
from townhall.discussions.actions.moderation import (
    accept_answer,
    close_topic,
    hide_post,
    hide_topic,
    lock_topic,
    move_topic,
    pin_topic,
    reopen_topic,
    restore_post,
    restore_topic,
    unaccept_answer,
    unlock_topic,
    unpin_topic,
)
from townhall.discussions.actions.posts import (
    create_post,
    create_topic,
    create_topic_with_attachment,
    delete_post,
    edit_post,
    reply_with_attachment,
    undelete_post,
)
from townhall.discussions.actions.reactions import react, toggle_reaction, unreact
from townhall.discussions.actions.reading import (
    discard_draft,
    mark_read,
    save_draft,
    set_space_follow_level,
    set_topic_follow_level,
)

__all__ = [
    "accept_answer",
    "add_reaction_choice",
    "allowed_emoji",
    "clean_body",
    "clean_kind",
    "clean_reply_to",
    "clean_tags",
    "clean_title",
    "close_topic",
    "create_post",
    "create_topic",
    "create_topic_with_attachment",
    "delete_post",
    "delete_tag",
    "discard_draft",
    "edit_post",
    "hide_post",
    "hide_topic",
    "lock_topic",
    "mark_read",
    "merge_tags",
    "move_reaction_choice",
    "move_topic",
    "opening_post",
    "pin_topic",
    "react",
    "remove_reaction_choice",
    "rename_tag",
    "reopen_topic",
    "reply_with_attachment",
    "restore_post",
    "restore_topic",
    "save_draft",
    "set_space_follow_level",
    "set_topic_follow_level",
    "toggle_reaction",
    "unaccept_answer",
    "undelete_post",
    "unlock_topic",
    "unpin_topic",
    "unreact",
]
