from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from townhall.chat.models import CLIENT_KEY_MAX, MAX_BODY, TOPIC_MAX
from townhall.content.schemas import FileOut, ReactionOut
from townhall.core.schemas import InputSchema


class AuthorOut(Schema):
    username: str
    name: str


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
