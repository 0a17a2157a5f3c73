"""What direct conversations tell the rest of the house: a domain event and their Activity verbs.

A module beside chat/events.py (not inside it) so the direct-message work merges without conflicts."""

from __future__ import annotations

from dataclasses import dataclass

from townhall.activity.payloads import Name, Person
from townhall.activity.verbs import Verb
from townhall.core.effects import AccessChanged


@dataclass(frozen=True)
class ConversationChanged(AccessChanged):
    """A conversation started (`op` "started"), someone was added ("added") or left ("left"), or it was
    renamed ("renamed"). Who may read it changes for `user_ids`: their open streams re-subscribe."""

    space_id: int
    actor_id: int | None
    op: str
    user_ids: tuple[int, ...] = ()

    def affected_users(self) -> tuple[int, ...] | None:
        return self.user_ids


@dataclass(frozen=True)
class ConversationStartedData:
    people: int  # in the conversation, its starter included
    group: bool


VERBS = [
    # A conversation's Activity rows sit in its space: only its members read them.
    Verb("conversation.started", ConversationStartedData),
    Verb("conversation.member_added", Person),
    Verb("conversation.renamed", Name),
    Verb("conversation.left"),
]
