"""Every write to events goes through these actions (ARCHITECTURE rule 1)."""

from townhall.events.actions._clean import EventInput, clean_answers, clean_event
from townhall.events.actions.dates import (
    cancel_occurrence,
    following_input,
    move_occurrence,
    restore_occurrence,
    update_following,
)
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
    "clean_answers",
    "clean_event",
    "create_event",
    "delete_event",
    "following_input",
    "move_occurrence",
    "promote_waitlist",
    "remove_host",
    "restore_occurrence",
    "review_event",
    "set_rsvp",
    "update_event",
    "update_following",
]
