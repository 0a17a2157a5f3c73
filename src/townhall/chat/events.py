"""What chat tells the rest of the house: its domain events and its Activity verbs."""

from __future__ import annotations

from dataclasses import dataclass, field

from townhall.activity.verbs import MODERATORS, PRIVATE, Verb
from townhall.core.effects import DomainEvent

# --- domain events ---------------------------------------------------------------------------------
# Events that tell people something: the notifications app's consumer is a durable task for each.
NOTIFIED = ("notifications",)


@dataclass(frozen=True)
class MessageSent(DomainEvent):
    required_consumers = NOTIFIED

    message_id: int
    space_id: int
    actor_id: int | None
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MessageEdited(DomainEvent):
    required_consumers = NOTIFIED

    message_id: int
    space_id: int
    actor_id: int | None
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MessageDeleted(DomainEvent):
    message_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class MessageRestored(DomainEvent):
    message_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class MessagePinned(DomainEvent):
    message_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class MessageUnpinned(DomainEvent):
    message_id: int
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class ChannelTopicChanged(DomainEvent):
    space_id: int
    actor_id: int | None


@dataclass(frozen=True)
class ThreadReplied(DomainEvent):
    required_consumers = NOTIFIED

    message_id: int  # the reply
    root_id: int
    space_id: int
    actor_id: int | None
    mentioned_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadPromoted(DomainEvent):
    root_id: int
    space_id: int
    topic_id: int
    actor_id: int | None


@dataclass(frozen=True)
class ChannelSeen(DomainEvent):
    """A member has read a chat channel or a conversation up to message `message_id`."""

    user_id: int
    space_id: int
    message_id: int


@dataclass(frozen=True)
class ThreadSeen(DomainEvent):
    """A member has read a thread (a message's replies) up to reply `message_id`."""

    user_id: int
    root_id: int
    message_id: int


# --- activity verbs and their payloads ----------------------------------------------------------------
@dataclass(frozen=True)
class MessageSentData:
    chars: int
    mentioned: list[int] = field(default_factory=list)  # user ids @mentioned (content.mentions)


@dataclass(frozen=True)
class MessageEditedData:
    revision_id: int
    mentioned: list[int] = field(default_factory=list)  # user ids @mentioned in the new wording


@dataclass(frozen=True)
class MessageDeletedData:
    by_author: bool


@dataclass(frozen=True)
class MessagePinData:
    pinned_count: int  # the channel's pinned messages after the change


@dataclass(frozen=True)
class ChannelTopicData:
    chars: int  # the new topic's length; 0: cleared


@dataclass(frozen=True)
class ThreadRepliedData:
    root_id: int
    chars: int
    also_in_channel: bool
    mentioned: list[int] = field(default_factory=list)  # user ids @mentioned (content.mentions)


@dataclass(frozen=True)
class ThreadPromotedData:
    topic_id: int
    replies: int  # the replies that became posts


VERBS = [
    Verb("message.sent", MessageSentData),
    Verb("message.edited", MessageEditedData),
    Verb("message.deleted", MessageDeletedData),
    Verb("message.restored", audience=MODERATORS),
    Verb("message.pinned", MessagePinData),
    Verb("message.unpinned", MessagePinData),
    Verb("channel.topic_changed", ChannelTopicData),
    Verb("message.thread_replied", ThreadRepliedData),
    Verb("thread.followed", audience=PRIVATE),
    Verb("thread.unfollowed", audience=PRIVATE),
    Verb("message.promoted", ThreadPromotedData),
]


# --- reactions (chat/actions/reactions.py) ------------------------------------------------------------
@dataclass(frozen=True)
class MessageReactionChanged(DomainEvent):
    required_consumers = NOTIFIED

    message_id: int
    space_id: int
    actor_id: int | None
    message_author_id: int | None  # whose message it is (recognition reads it)
    emoji: str
    added: bool


@dataclass(frozen=True)
class MessageReactionData:
    emoji: str
    author_id: int | None  # the message's author


VERBS += [
    Verb("message.reaction_added", MessageReactionData),
    Verb("message.reaction_removed", MessageReactionData),
]
