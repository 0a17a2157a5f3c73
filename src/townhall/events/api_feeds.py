"""API for a member's calendar settings: reminder choices and the personal feed's secret URL (the same
actions as /settings/calendar/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from townhall.core.api import API_ERRORS, ApiUnauthorized, caller, ensure_write
from townhall.core.schemas import InputSchema
from townhall.events.actions import feeds as feed_actions
from townhall.events.feeds import feed_urls
from townhall.events.models import ReminderSettings
from townhall.events.reminders import OFFSET_CHOICES
from townhall.policy.request import guardian_of

router = Router(tags=["events"])

OFFSETS_HELP = "Minutes before the start: any of " + ", ".join(str(m) for m, _label in OFFSET_CHOICES)


class ReminderSettingsOut(Schema):
    offsets: list[int] = Field(description=OFFSETS_HELP)
    starting_now: bool = Field(description="A push with the join link when an online event starts")
    follow_up: bool = Field(description="After the event, a note asking for a recap or feedback")
    choices: list[int] = Field(description="The offsets one may choose, in minutes")


class ReminderSettingsIn(InputSchema):
    offsets: list[int] = Field(max_length=10, description=OFFSETS_HELP)
    starting_now: bool = True
    follow_up: bool = True


class FeedOut(Schema):
    url: str = Field(description="The personal feed (https); keep it secret")
    webcal: str = Field(description="The same feed as a webcal:// link, which opens a calendar app")


def _out(row: ReminderSettings) -> dict[str, Any]:
    return {
        "offsets": sorted((int(m) for m in row.offsets), reverse=True),
        "starting_now": row.starting_now,
        "follow_up": row.follow_up,
        "choices": [minutes for minutes, _label in OFFSET_CHOICES],
    }


def _signed_in(request: HttpRequest) -> None:
    if caller(request).user is None:
        raise ApiUnauthorized("Sign in or send an access token to do that.")


@router.get("/events/reminder-settings", response={200: ReminderSettingsOut, **API_ERRORS},
            summary="My reminder settings")  # fmt: skip
def get_reminder_settings(request: HttpRequest) -> dict[str, Any]:
    _signed_in(request)
    return _out(feed_actions.reminder_settings(guardian_of(request)))


@router.put("/events/reminder-settings", response={200: ReminderSettingsOut, **API_ERRORS},
            summary="Choose when reminders come")  # fmt: skip
def put_reminder_settings(request: HttpRequest, payload: ReminderSettingsIn) -> dict[str, Any]:
    """Offsets not offered answer 422 with the field named."""
    ensure_write(request)
    row = feed_actions.set_reminder_settings(
        guardian_of(request),
        offsets=payload.offsets,
        starting_now=payload.starting_now,
        follow_up=payload.follow_up,
    )
    return _out(row)


@router.get("/events/feed", response={200: FeedOut, **API_ERRORS}, summary="My calendar feed's URL")
def get_feed(request: HttpRequest) -> dict[str, str]:
    _signed_in(request)
    urls = feed_urls(feed_actions.feed_token(guardian_of(request)).token)
    return {"url": urls["https"], "webcal": urls["webcal"]}


@router.post("/events/feed-token/reset", response={200: FeedOut, **API_ERRORS},
             summary="A new secret URL for my calendar feed")  # fmt: skip
def reset_feed_token(request: HttpRequest) -> dict[str, str]:
    """The old URL answers 404 from now on."""
    ensure_write(request)
    urls = feed_urls(feed_actions.reset_feed_token(guardian_of(request)).token)
    return {"url": urls["https"], "webcal": urls["webcal"]}
