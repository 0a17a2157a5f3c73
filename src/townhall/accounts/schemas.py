"""API shapes for people and their tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from townhall.core.schemas import InputSchema


class InterestOut(Schema):
    name: str
    slug: str


class MembershipOut(Schema):
    role: str
    state: str
    joined_at: datetime | None
    onboarded: bool


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    avatar_url: str | None
    bio: str
    bio_html: str
    location: str
    time_zone: str
    links: list[str]
    interests: list[InterestOut]
    can_help_with: str
    looking_for: str
    theme: str
    hide_presence: bool
    membership: MembershipOut | None


class MePatch(InputSchema):
    """Only the fields sent change. `interests` replaces the whole list (names; new ones are created)."""

    display_name: str | None = Field(None, max_length=200)
    username: str | None = Field(None, max_length=200)
    bio: str | None = Field(None, max_length=10000)
    location: str | None = Field(None, max_length=500)
    time_zone: str | None = Field(None, max_length=100)
    links: list[str] | None = Field(None, max_length=20)
    interests: list[str] | None = Field(None, max_length=50)
    can_help_with: str | None = Field(None, max_length=1000)
    looking_for: str | None = Field(None, max_length=1000)
    hide_presence: bool | None = None  # others see you as offline


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class TokenIn(InputSchema):
    name: str = Field(..., max_length=200)
    scope: Literal["read", "write"] = "read"
