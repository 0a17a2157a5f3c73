"""API shapes for the community, its members and joining."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from townhall.core.ids import Id
from townhall.core.schemas import InputSchema


class CommunityOut(Schema):
    name: str
    tagline: str
    logo_url: str | None
    accent_color: str
    landing_public: bool
    join_policy: str
    # Only for members when the landing page is private:
    mission: str | None = None
    mission_html: str | None = None
    values: str | None = None
    values_html: str | None = None
    code_of_conduct: str | None = None
    code_of_conduct_html: str | None = None
    screening_questions: list[str] | None = None
    viewer_state: str | None = None
    viewer_role: str | None = None


class CommunityPatch(InputSchema):
    name: str | None = Field(None, max_length=80)
    tagline: str | None = Field(None, max_length=160)
    mission: str | None = Field(None, max_length=4000)
    values: str | None = Field(None, max_length=4000)
    code_of_conduct: str | None = Field(None, max_length=20000)
    accent_color: str | None = Field(None, max_length=7)
    landing_public: bool | None = None
    join_policy: str | None = Field(None, max_length=10)
    screening_questions: list[str] | None = Field(None, max_length=5)


class JoinIn(InputSchema):
    answers: list[str] = Field(default_factory=list, max_length=5)


class MembershipOut(Schema):
    state: str
    role: str
    joined_at: datetime | None
    onboarded: bool


class InterestOut(Schema):
    slug: str
    name: str


class GroupOut(Schema):
    slug: str
    name: str


class MemberOut(Schema):
    username: str
    name: str
    avatar_url: str | None
    location: str
    role: str
    state: str
    joined_at: datetime | None
    interests: list[InterestOut]
    groups: list[GroupOut]


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class ProfileOut(MemberOut):
    display_name: str
    bio: str
    bio_html: str
    time_zone: str
    links: list[str]
    can_help_with: str
    looking_for: str
    introduction: str
    introduction_html: str


class MembersBulkIn(InputSchema):
    """One change for many members (membership ids, at most 100), as the members table's bulk form."""

    ids: list[Id] = Field(min_length=1, max_length=100)
    op: str = Field(
        max_length=20, description="add_to_group, remove_from_group, set_role, suspend or restore"
    )
    role: str = Field("", max_length=10)
    group: str = Field("", max_length=90, description="the group's slug, for the group changes")
    reason: str = Field("", max_length=500)


class RefusedRow(Schema):
    username: str
    reason: str


class MembersBulkOut(Schema):
    done: list[str]  # usernames changed
    refused: list[RefusedRow]  # left alone, with the Guardian's reason
