from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from townhall.chat.models import CLIENT_KEY_MAX, MAX_BODY, TOPIC_MAX
from townhall.content.schemas import FileOut, ReactionOut
from townhall.core.schemas import InputSchema


class AuthorOut(Schema):
    username: str
    name: str


class ThreadInfo(Schema):
    """A message's place in threads: the thread it opened, or the one it replies in."""

    root: int | None = Field(None, description="The message whose thread this reply is in; null: not a reply")
    also_in_channel: bool = Field(False, description="A reply also sent to the channel")
    reply_count: int = Field(0, description="Replies in the thread this message opened (deleted ones too)")
    last_reply_at: datetime | None = None
    promoted_to: str | None = Field(None, description="The topic's URL, when the thread moved to a topic")


class MessageOut(Schema):
    id: int
    space: str
    author: AuthorOut | None
    body: str | None = Field(description="The text; null for a deleted message (except to moderators)")
    html: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    pinned: bool = Field(description="Pinned by a moderator (a deleted message leaves the Pinned area)")
    url: str
    thread: ThreadInfo | None = None
    reactions: list[ReactionOut] = Field(
        default_factory=list, description="Grouped per emoji in the set's order; none on a deleted message"
    )
    attachments: list[FileOut] = Field(
        default_factory=list,
        description="Files sent with it, in order (a deleted message's: moderators only)",
    )


class MessagePage(Schema):
    items: list[MessageOut]
    earlier: int | None = Field(description="Pass as `before` to get the page before this one; null: none")


class PinnedList(Schema):
    items: list[MessageOut] = Field(
        description="The pinned messages that are not deleted, latest pinned first"
    )


# A little room above the limit, so the action (not the schema) answers with its own clear message.
class MessageIn(InputSchema):
    body: str = Field(max_length=MAX_BODY * 2)
    client_key: str | None = Field(
        None, max_length=CLIENT_KEY_MAX, description="Your own key for this message: a retry never doubles it"
    )


class MessagePatch(InputSchema):
    body: str = Field(max_length=MAX_BODY * 2)


class TopicOut(Schema):
    topic: str = Field(description="The channel's topic line, plain text; empty: none")


class TopicIn(InputSchema):
    topic: str = Field(
        max_length=TOPIC_MAX * 2, description=f"At most {TOPIC_MAX} characters; empty clears it"
    )


class ReadIn(InputSchema):
    up_to: int = Field(ge=1, le=2**62, description="The id of the newest message seen")


class PresenceOut(Schema):
    username: str
    name: str
    state: str = Field(description='"online", "away" or "offline" (also for people who hide it)')


class PresenceList(Schema):
    people: list[PresenceOut]


# --- threads ---------------------------------------------------------------------------------------
class FollowersOut(Schema):
    names: list[str] = Field(description="The first few followers, in the order they followed")
    more: int = Field(description="How many others follow")
    following: bool = Field(description="Whether you follow the thread")


class ThreadOut(Schema):
    root: MessageOut
    items: list[MessageOut] = Field(description="Replies, oldest first")
    earlier: int | None = Field(description="Pass as `before` to get the replies before these; null: none")
    followers: FollowersOut


class FollowedThreadOut(Schema):
    root: MessageOut
    unread: int = Field(description="Replies by others after your read position")


class FollowedThreads(Schema):
    items: list[FollowedThreadOut] = Field(description="Threads you follow here, the most recent reply first")


class ReplyIn(MessageIn):
    also_in_channel: bool = Field(False, description="Also show the reply in the channel")


class ThreadReadIn(InputSchema):
    up_to: int = Field(ge=1, description="The id of the newest reply you have read")


class PromoteIn(InputSchema):
    space: str = Field(max_length=200, description="The slug of a discussions space you may start topics in")
    title: str = Field(max_length=1000)


class TopicRef(Schema):
    id: int
    title: str
    url: str
