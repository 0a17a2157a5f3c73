"""API shapes of reactions, the same for discussion posts and chat messages."""

from __future__ import annotations

from ninja import Field, Schema

from townhall.core.schemas import InputSchema


class ReactionOut(Schema):
    emoji: str
    label: str
    count: int
    names: list[str]
    mine: bool


class ReactionIn(InputSchema):
    emoji: str = Field(max_length=16)


class FileOut(Schema):
    """An uploaded image or file (content.uploads): a chat message's attachment, or an upload for a post."""

    id: int
    kind: str = Field(description="image or file")
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str = Field(description="Where the file is served, to those who may see it")
