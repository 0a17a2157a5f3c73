"""Every write to events goes through these actions (ARCHITECTURE rule 1)."""

from townhall.events.actions._clean import EventInput, clean_answers, clean_event
from townhall.events.actions.cover import prepare_cover, set_cover
from townhall.events.actions.dates import (
    cancel_occurrence,
    following_input,
    move_occurrence,
    restore_occurrence,
    update_following,
)
from townhall.events.actions.door import check_in, check_in_ticket, undo_check_in
from townhall.events.actions.live import open_live_chat, promote_live_chat
from townhall.events.actions.manage import (
    add_host,
    cancel_event,
    create_event,
    delete_event,
    remove_host,
    review_event,
    update_event,
)
from townhall.events.actions.rsvps import promote_waitlist, set_rsvp

__all__ = [
    "EventInput",
    "add_host",
    "cancel_event",
    "cancel_occurrence",
    "check_in",
    "check_in_ticket",
    "clean_answers",
    "clean_event",
    "create_event",
    "delete_event",
    "following_input",
    "move_occurrence",
    "open_live_chat",
    "prepare_cover",
    "promote_live_chat",
    "promote_waitlist",
    "remove_host",
    "restore_occurrence",
    "review_event",
    "set_cover",
    "set_rsvp",
    "undo_check_in",
    "update_event",
    "update_following",
]
