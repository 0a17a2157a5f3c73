"""API routes for direct conversations (added to chat's router): the same actions and queries as the
pages. A conversation's messages use chat's own routes (`/spaces/{slug}/messages`, `/messages/{id}`):
a conversation is a space its members read, and to everyone else it answers 404 like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from townhall.chat import actions, direct
from townhall.chat.actions.direct import NAME_MAX
from townhall.chat.models import CLIENT_KEY_MAX, MAX_BODY
from townhall.chat.schemas import AuthorOut
from townhall.core.api import API_ERRORS, ApiUnauthorized, ensure_write
from townhall.core.errors import Invalid
from townhall.core.schemas import InputSchema
from townhall.policy.direct import MAX_PEOPLE
from townhall.policy.request import guardian_of
from townhall.spaces.queries import get_person_or_404

router = Router(tags=["direct messages"])


class ConversationOut(Schema):
    slug: str = Field(description="Also the space slug of its messages: /spaces/{slug}/messages")
    title: str = Field(description="The group's name, or the other members' names")
    group: bool
    people: list[AuthorOut] = Field(description="The other members")
    unread: int = 0
    last_message_id: int | None = None
    last_message_at: datetime | None = None
    preview: str = ""


class ConversationIn(InputSchema):
    to: list[str] = Field(min_length=1, max_length=MAX_PEOPLE - 1, description="Usernames")
    name: str = Field("", max_length=NAME_MAX)
    group: bool = Field(False, description="A group even with one other person")
    body: str = Field("", max_length=MAX_BODY, description="A first message (optional)")
    client_key: str | None = Field(None, max_length=CLIENT_KEY_MAX)


class PersonIn(InputSchema):
    username: str = Field(max_length=150)


class NameIn(InputSchema):
    name: str = Field(max_length=NAME_MAX, description="Empty: show the members' names")


def _out(found: direct.Conversation) -> dict[str, Any]:
    last = found.last
    return {
        "slug": found.space.slug,
        "title": found.title,
        "group": found.is_group,
        "people": [{"username": p.username, "name": p.name} for p in found.people],
        "unread": found.unread,
        "last_message_id": last.pk if last else None,
        "last_message_at": last.created_at if last else None,
        "preview": found.preview,
    }


def _signed_in(request: HttpRequest) -> None:
    if guardian_of(request).user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")


@router.get("/conversations", response={200: list[ConversationOut], **API_ERRORS}, summary="My conversations")
def list_conversations(request: HttpRequest) -> Any:
    """The caller's conversations, the newest message first, with unread counts (at most 100)."""
    _signed_in(request)
    return [_out(found) for found in direct.my_conversations(guardian_of(request))]


@router.post("/conversations", response={201: ConversationOut, **API_ERRORS}, summary="Start a conversation")
def start_conversation(request: HttpRequest, payload: ConversationIn) -> Any:
    """One username (no name, not `group`): the one-to-one conversation, the existing one if any.
    Several, or a name: a new group conversation. `body` sends a first message."""
    ensure_write(request)
    g = guardian_of(request)
    people, missing = direct.find_people(payload.to)
    if missing:
        message = f"No member is called @{missing[0]}."
        raise Invalid(message, field_errors={"to": [message]})
    space = actions.start_conversation(g, people=people, name=payload.name, group=payload.group)
    if payload.body.strip():
        actions.send_message(g, space, body=payload.body, client_key=payload.client_key)
    return Status(201, _out(direct.get_conversation_or_404(g, space.slug, with_last=True)))


@router.get(
    "/conversations/{slug}", response={200: ConversationOut, **API_ERRORS}, summary="One conversation"
)
def get_conversation(request: HttpRequest, slug: str) -> Any:
    return _out(direct.get_conversation_or_404(guardian_of(request), slug, with_last=True))


@router.post(
    "/conversations/{slug}/people", response={201: ConversationOut, **API_ERRORS}, summary="Add a member"
)
def add_person(request: HttpRequest, slug: str, payload: PersonIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    found = direct.get_conversation_or_404(g, slug)
    actions.add_to_conversation(g, found.space, person=get_person_or_404(payload.username))
    return Status(201, _out(direct.get_conversation_or_404(g, slug, with_last=True)))


@router.put("/conversations/{slug}/name", response={200: ConversationOut, **API_ERRORS}, summary="Rename")
def rename(request: HttpRequest, slug: str, payload: NameIn) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    found = direct.get_conversation_or_404(g, slug)
    actions.rename_conversation(g, found.space, name=payload.name)
    return _out(direct.get_conversation_or_404(g, slug, with_last=True))


@router.post("/conversations/{slug}/leave", response={204: None, **API_ERRORS}, summary="Leave a group")
def leave(request: HttpRequest, slug: str) -> Any:
    ensure_write(request)
    g = guardian_of(request)
    actions.leave_conversation(g, direct.get_conversation_or_404(g, slug).space)
    return Status(204, None)
