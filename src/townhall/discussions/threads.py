"""How posts sit in a topic, and what a new post or reaction changes: shared by the actions (one post at
a time, under the topic's row lock) and the bulk layer (many posts at once, counted in Python).

- **Place:** the opening post is position 1, depth 0, path "00000001"; a reply takes the next position
  and hangs under the post it answers (a reply to the opening post answers the topic). Paths are the
  zero-padded positions of the ancestors and the post, dot-joined; past MAX_TREE_DEPTH a reply becomes a
  sibling of its parent instead of growing the path.
- **Counters:** a reply adds one to the topic's post_count and score and moves last_position,
  last_posted_at and last_post_id; a reaction adds one to the post's and the topic's reaction_count and
  to the score; every change bumps the topic's version (which keys cached copies of its page).
- **The author's rows:** whoever posts watches the topic and has read it up to their post.
- **Activity payloads** of topic.created, post.created and reaction.added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import F

from townhall.core.bulkinsert import insert_rows
from townhall.discussions.events import PostCreatedData, ReactionAddedData, TopicCreatedData
from townhall.discussions.models import (
    PARTICIPANTS_SHOWN,
    PATH_SEGMENT,
    WATCHING,
    Topic,
    TopicFollow,
    TopicRead,
)

OPENING_POSITION = 1


def segment(position: int) -> str:
    """One path segment: the position, zero-padded so that paths sort as text."""
    return str(position).zfill(PATH_SEGMENT)


OPENING_PATH = segment(OPENING_POSITION)


class Placed(Protocol):
    """What placing a reply needs of the post it answers: a saved Post, or the bulk layer's own row."""

    @property
    def position(self) -> int: ...
    @property
    def depth(self) -> int: ...
    @property
    def path(self) -> str: ...
    @property
    def author_id(self) -> int | None: ...


def thread_parent[P: Placed](reply_to: P | None) -> P | None:
    """The post a reply hangs under: None for a reply to the topic or to its opening post."""
    return reply_to if reply_to is not None and reply_to.position != OPENING_POSITION else None


def place_reply(parent: Placed | None, position: int, *, max_depth: int) -> tuple[int, str]:
    """Depth and path of the reply at `position` under `parent` (from thread_parent)."""
    if parent is None:
        return 1, f"{OPENING_PATH}.{segment(position)}"
    if parent.depth >= max_depth:
        return parent.depth, parent.path.rsplit(".", 1)[0] + "." + segment(position)
    return parent.depth + 1, f"{parent.path}.{segment(position)}"


@dataclass
class Tally:
    """What new replies and reactions do to one topic's counters.

    The actions apply it as F() increments under the topic's lock (`increments()`); the bulk layer adds
    it to the values of rows it has not saved yet (`apply()`). `touches` counts the changes that bump the
    version: one per reply and per reaction, plus one for the opening post of a new topic.
    """

    replies: int = 0
    reactions: int = 0
    touches: int = 0
    last_position: int | None = None
    last_posted_at: datetime | None = None
    last_post_id: int | None = None

    def opened(self, at: datetime, post_id: int | None = None) -> None:
        """The opening post of a new topic (its counters start at the model's defaults)."""
        self.touches += 1
        self.last_position = OPENING_POSITION
        self.last_posted_at = at
        self.last_post_id = post_id

    def replied(self, position: int, at: datetime, post_id: int | None = None) -> None:
        """A reply at `position` (its id, when known: the bulk layer learns it after inserting)."""
        self.replies += 1
        self.touches += 1
        self.last_position = position
        self.last_posted_at = at
        self.last_post_id = post_id

    def reacted(self, count: int = 1) -> None:
        """`count` reactions added (negative: removed)."""
        self.reactions += count
        self.touches += count

    @property
    def score(self) -> int:
        return self.replies + self.reactions

    def increments(self) -> dict[str, Any]:
        """The topic's changed fields as an UPDATE (F() increments), without the version (see _touch)."""
        changes: dict[str, Any] = {}
        if self.replies:
            changes["post_count"] = F("post_count") + self.replies
        if self.reactions:
            changes["reaction_count"] = F("reaction_count") + self.reactions
        if self.score:
            changes["score"] = F("score") + self.score
        if self.last_position is not None:
            changes.update(
                last_position=self.last_position,
                last_posted_at=self.last_posted_at,
                last_post_id=self.last_post_id,
            )
        return changes

    def apply(self, topic: Topic) -> None:
        """Add the counts to an unsaved topic's values (the model's defaults, for a new one)."""
        topic.post_count += self.replies
        topic.reaction_count += self.reactions
        topic.score += self.score
        topic.version += self.touches
        if self.last_position is not None:
            topic.last_position = self.last_position
            assert self.last_posted_at is not None
            topic.last_posted_at = self.last_posted_at
            topic.last_post_id = self.last_post_id


def participants_after_reply(opener_id: int | None, current: list[int], replier_id: int | None) -> list[int]:
    """A topic's participants (its list's faces) once `replier_id` has replied: the opener first, then
    the newest repliers, at most PARTICIPANTS_SHOWN. The actions and the bulk layer both keep it so."""
    opener = [opener_id] if opener_id else []
    newest = [replier_id] if replier_id and replier_id not in opener else []
    rest = [i for i in current if i not in opener and i != replier_id]
    return (opener + newest + rest)[:PARTICIPANTS_SHOWN]


def save_author_rows(marks: Iterable[tuple[int, int, int]]) -> None:
    """(user_id, topic_id, position) for each author's latest post in a topic: they watch it (a level
    they had chosen before stays) and have read it up to that post (both the mark and the last visit).
    Two INSERTs however many rows (one per thousand)."""
    latest: dict[tuple[int, int], int] = {}
    for user_id, topic_id, position in marks:
        key = (user_id, topic_id)
        latest[key] = max(position, latest.get(key, 0))
    insert_rows(
        TopicFollow,
        ("user_id", "topic_id", "level"),
        [(user_id, topic_id, WATCHING) for user_id, topic_id in latest],
        ignore_conflicts=True,
    )
    insert_rows(
        TopicRead,
        ("user_id", "topic_id", "highest_position_read", "last_visit_position"),
        [(user_id, topic_id, p, p) for (user_id, topic_id), p in latest.items()],
        update_conflicts=("highest_position_read", "last_visit_position", "updated_at"),
        unique=("user_id", "topic_id"),
    )


# --- Activity payloads ----------------------------------------------------------------------------
def topic_created_data(kind: str, opening_id: int, mentioned: list[int]) -> TopicCreatedData:
    """The payload of "topic.created": the kind, the opening post and who it mentions."""
    return TopicCreatedData(kind=kind, post_id=opening_id, mentioned=mentioned)


def post_created_data(topic_id: int, parent: Placed | None, mentioned: list[int]) -> PostCreatedData:
    """`parent` from thread_parent: a reply to the opening post names no author it answered."""
    return PostCreatedData(
        topic_id=topic_id, reply_to_author_id=parent.author_id if parent else None, mentioned=mentioned
    )


def reaction_added_data(emoji: str, topic_id: int, post_author_id: int | None) -> ReactionAddedData:
    """The payload of "reaction.added": the emoji, the topic and whose post it was (for recognition)."""
    return ReactionAddedData(emoji=emoji, topic_id=topic_id, author_id=post_author_id)
