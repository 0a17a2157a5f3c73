"""What /api/v1/search takes and answers."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from townhall.core.schemas import InputSchema
from townhall.search.models import TYPE_MAX
from townhall.search.queries import MAX_PAGES, MAX_QUERY_CHARS


class SearchParams(InputSchema):
    """The filters every document has; each type's own filters (tag, kind, solved, topic, ...) are read
    from the query string too and listed in the OpenAPI description of the endpoint."""

    q: str = Field("", max_length=MAX_QUERY_CHARS)
    type: str | None = Field(None, max_length=TYPE_MAX, description="Only results of this type (e.g. post)")
    space: str | None = Field(None, max_length=90)
    author: str | None = Field(None, max_length=150)
    after: date | None = None
    before: date | None = None
    page: int = Field(1, ge=1, le=MAX_PAGES)


class HitAuthorOut(BaseModel):
    username: str
    name: str


class SearchHitOut(BaseModel):
    """One result: the fields every type has, then the fields of its type (for a post: post_id,
    topic_id, position, topic_title, solved). A plain pydantic model, so a type's own fields pass."""

    model_config = ConfigDict(extra="allow")

    type: str
    title_html: str
    snippet_html: str
    space: str | None
    author: HitAuthorOut | None
    created_at: datetime
    score: float
    url: str
    post_id: int | None = None
    topic_id: int | None = None
    position: int | None = None
    topic_title: str | None = None
    solved: bool | None = None


class SearchOut(Schema):
    query: str
    page: int
    has_next: bool
    message: str = ""
    hits: list[SearchHitOut]
