"""API shapes for discussions. Input strings carry their limits; the actions re-check everything."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

# Shared with chat; imported from here by discussions' API.
from townhall.content.schemas import FileOut
from townhall.content.schemas import ReactionIn as ReactionIn
from townhall.content.schemas import ReactionOut as ReactionOut
from townhall.core.ids import MAX_ID, Id
from townhall.core.schemas import InputSchema
from townhall.discussions.models import BODY_MAX, MAX_TAGS, TAG_MAX, TITLE_MAX

TagName = Annotated[str, StringConstraints(max_length=TAG_MAX)]


class PersonOut(Schema):
    username: str
    name: str


class TopicOut(Schema):
    id: int
    space: str
    title: str
    slug: str
    kind: str
    tags: list[str]
    pinned: str
    locked: bool
    closed: bool
    hidden: bool
    deleted: bool
    solved: bool
    accepted_post_id: int | None
    post_count: int
    reply_count: int
    last_position: int
    last_posted_at: datetime
    created_at: datetime
    author: PersonOut | None
    url: str
    unread_count: int | None = None


class TopicPage(Schema):
    items: list[TopicOut]
    next_cursor: str | None


class TopicIn(InputSchema):
    space: str = Field(max_length=90, description="The space's slug")
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field(max_length=BODY_MAX)
    kind: str = Field("discussion", max_length=14, description="discussion, question or announcement")
    tags: list[TagName] = Field(default_factory=list, max_length=MAX_TAGS)


class PostOut(Schema):
    id: int
    topic_id: int
    position: int
    depth: int
    reply_to_id: int | None
    author: PersonOut | None
    body: str | None = Field(description="Markdown source; null when deleted or hidden from you")
    body_html: str | None
    hidden: bool
    deleted: bool
    reply_count: int
    created_at: datetime
    edited_at: datetime | None
    reactions: list[ReactionOut] = []
    url: str


class PostPage(Schema):
    view: str
    page: int
    pages: int
    items: list[PostOut]


class PostIn(InputSchema):
    body: str = Field(max_length=BODY_MAX)
    reply_to: Id | None = Field(
        None, description="Id of the post you answer (same topic); omit to answer the topic"
    )


class PostPatch(InputSchema):
    body: str = Field(max_length=BODY_MAX)
    title: str | None = Field(None, max_length=TITLE_MAX, description="Opening post only")
    tags: list[TagName] | None = Field(None, max_length=MAX_TAGS)


class RevisionOut(Schema):
    number: int
    title: str
    body: str
    author: PersonOut | None
    created_at: datetime


class ReactionChoiceOut(Schema):
    emoji: str
    label: str


class ReactionChoiceIn(InputSchema):
    emoji: str = Field(max_length=16)
    label: str = Field(max_length=40)


class DirectionIn(InputSchema):
    direction: str = Field(max_length=4, description="up or down")


class TagOut(Schema):
    id: int
    name: str
    slug: str


class TagRenameIn(InputSchema):
    name: str = Field(max_length=TAG_MAX)


class TagMergeIn(InputSchema):
    into: Id


class AcceptIn(InputSchema):
    post_id: Id


class ReadIn(InputSchema):
    position: int = Field(ge=0, le=MAX_ID)


class ReadOut(Schema):
    topic_id: int
    highest_position_read: int
    last_position: int
    unread_count: int


class FollowIn(InputSchema):
    level: str = Field(max_length=8, description="watching, normal or muted")


class FollowOut(Schema):
    level: str


class ModerateIn(InputSchema):
    op: str = Field(max_length=10, description="pin, unpin, lock, unlock, close, reopen, hide, restore")
    scope: str = Field("space", max_length=5, description="For pin: space or site")
    reason: str = Field("", max_length=200)


class MoveIn(InputSchema):
    space: str = Field(max_length=90)


class DraftIn(InputSchema):
    body: str = Field("", max_length=BODY_MAX)


class UploadOut(FileOut):
    markdown: str
