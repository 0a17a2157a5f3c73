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
