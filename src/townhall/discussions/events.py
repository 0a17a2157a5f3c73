"""What discussions tells the rest of the house: its domain events and its Activity verbs.

Events are emitted by the actions and delivered after commit (search keeps its documents by them;
notifications, analytics and recognition will listen too). Verbs are the rows it writes to the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from townhall.activity.payloads import Direction, Name
from townhall.activity.verbs import MODERATORS, Verb
from townhall.content.events import UploadData  # shared with chat
from townhall.core.effects import DomainEvent

# --- domain events ---------------------------------------------------------------------------------
# Events that tell people something: the notifications app's consumer is a durable task for each.
NOTIFIED = ("notifications",)


@dataclass(frozen=True)
class TopicCreated(DomainEvent):
    required_consumers = NOTIFIED

    topic_id: int
    post_id: int
    space_id: int
    actor_id: int | None
    kind: str
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PostCreated(DomainEvent):
    required_consumers = NOTIFIED

    post_id: int
    topic_id: int
    space_id: int
    actor_id: int | None
    reply_to_author_id: int | None = None
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PostEdited(DomainEvent):
    required_consumers = NOTIFIED

    post_id: int
    topic_id: int
    space_id: int
    actor_id: int | None
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PostRemoved(DomainEvent):
    """Deleted by its author or hidden by a moderator (`how`: "deleted" or "hidden")."""

    post_id: int
    topic_id: int
    space_id: int
    actor_id: int | None
    how: str
    whole_topic: bool


@dataclass(frozen=True)
class PostRestored(DomainEvent):
    post_id: int
    topic_id: int
    space_id: int
    actor_id: int | None
    whole_topic: bool


@dataclass(frozen=True)
class TopicStateChanged(DomainEvent):
    """Pinned, unpinned, locked, unlocked, closed or reopened (`op`)."""

    topic_id: int
    space_id: int
    actor_id: int | None
    op: str


@dataclass(frozen=True)
class TopicMoved(DomainEvent):
    topic_id: int
    from_space_id: int
    to_space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class AnswerAccepted(DomainEvent):
    required_consumers = NOTIFIED

    topic_id: int
    post_id: int | None  # None: the accepted answer was withdrawn
    space_id: int
    actor_id: int | None
    answerer_id: int | None


@dataclass(frozen=True)
class ReactionChanged(DomainEvent):
    required_consumers = NOTIFIED

    post_id: int
    topic_id: int
    space_id: int
    actor_id: int | None
    post_author_id: int | None
    emoji: str
    added: bool


@dataclass(frozen=True)
class TopicSeen(DomainEvent):
    """A member has read a topic up to `position` (the reading mark advanced): notifications about
    posts up to there are marked read."""

    user_id: int
    topic_id: int
    position: int


# --- activity verbs and their payloads ----------------------------------------------------------------
@dataclass(frozen=True)
class TopicCreatedData:
    kind: str
    post_id: int
    mentioned: list[int]


@dataclass(frozen=True)
class PostCreatedData:
    topic_id: int
    reply_to_author_id: int | None
    mentioned: list[int]


@dataclass(frozen=True)
class PostEditedData:
    topic_id: int
    mentioned: list[int]


@dataclass(frozen=True)
class InTopic:
    topic_id: int


@dataclass(frozen=True)
class PostHiddenData:
    topic_id: int
    reason: str


@dataclass(frozen=True)
class TopicMovedData:
    from_space_id: int


@dataclass(frozen=True)
class AnswerAcceptedData:
    topic_id: int
    answerer_id: int | None


@dataclass(frozen=True)
class ReactionAddedData:
    emoji: str
    topic_id: int
    author_id: int | None


@dataclass(frozen=True)
class ReactionRemovedData:
    emoji: str


TOPIC_STATES = ("pinned", "unpinned", "locked", "unlocked", "closed", "reopened")


@dataclass(frozen=True)
class ReactionChoiceData:
    emoji: str
    label: str


@dataclass(frozen=True)
class TagRenamedData:
    old_name: str
    new_name: str


@dataclass(frozen=True)
class TagMergedData:
    source_name: str
    topic_count: int


VERBS = [
    Verb("topic.created", TopicCreatedData),
    Verb("post.created", PostCreatedData),
    Verb("post.edited", PostEditedData),
    Verb("post.deleted", InTopic),
    Verb("post.hidden", PostHiddenData, audience=MODERATORS),
    Verb("post.restored", InTopic, audience=MODERATORS),
    *(Verb(f"topic.{state}") for state in TOPIC_STATES),
    Verb("topic.moved", TopicMovedData),
    Verb("answer.accepted", AnswerAcceptedData),
    Verb("answer.unaccepted"),
    Verb("reaction.added", ReactionAddedData),
    Verb("reaction.removed", ReactionRemovedData),
    Verb("upload.created", UploadData),
    Verb("reaction_choice.added", ReactionChoiceData, audience=MODERATORS),
    Verb("reaction_choice.removed", ReactionChoiceData, audience=MODERATORS),
    Verb("reaction_choice.moved", Direction, audience=MODERATORS),
    Verb("tag.renamed", TagRenamedData, audience=MODERATORS),
    Verb("tag.merged", TagMergedData, audience=MODERATORS),
    Verb("tag.deleted", Name, audience=MODERATORS),
]
