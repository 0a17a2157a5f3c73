"""@mentions in chat: the same renderer as discussions (content.mentions), with chat's line breaks; the
mentioned ids are recorded on send, edit and in the bulk layer, and the composer offers suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from townhall.activity.models import Activity
from townhall.chat import actions
from townhall.chat.bulk import NewMessage, bulk_create_messages
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def _profile_link(username: str) -> str:
    return f'<a class="mention" href="{reverse("accounts:profile", args=[username])}">@{username}</a>'


def test_send_links_mentions_keeps_line_breaks_and_records_who(
    member: Any, moderator: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Seen it, @Mona?\n`@mona` @nobody_here")
    assert _profile_link("mona") in message.html
    assert "<br" in message.html and "<code>@mona</code>" in message.html and "@nobody_here" in message.html
    row = Activity.objects.get(verb="message.sent", target_id=message.pk)
    assert row.data["mentioned"] == [moderator.pk]


def test_edit_records_the_new_wordings_mentions(member: Any, moderator: Any, lounge: Space) -> None:
    message = actions.send_message(Guardian(member), lounge, body="Clouds again")
    edited = actions.edit_message(Guardian(member), message, body="Clouds again, @mona")
    assert _profile_link("mona") in edited.html
    assert Activity.objects.get(verb="message.edited").data["mentioned"] == [moderator.pk]


def test_bulk_messages_are_rendered_and_recorded_like_sent_ones(
    member: Any, moderator: Any, newcomer: Any, lounge: Space
) -> None:
    sent = actions.send_message(Guardian(member), lounge, body="Ask @mona\nabout flats")
    at = datetime(2026, 11, 1, 21, 0, tzinfo=UTC)
    first, second = bulk_create_messages(
        lounge,
        [
            NewMessage(author_id=newcomer.pk, body="Ask @mona\nabout flats", at=at),
            NewMessage(author_id=newcomer.pk, body="No one to @ping here", at=at.replace(minute=5)),
        ],
    )
    assert first.html == sent.html
    data = dict(Activity.objects.filter(verb="message.sent").values_list("target_id", "data"))
    assert data[first.pk]["mentioned"] == [moderator.pk]
    assert data[second.pk]["mentioned"] == []


def test_the_composer_offers_mention_suggestions(client_for: Any, member: Any, lounge: Space) -> None:
    page = client_for(member).get(reverse("spaces:detail", args=[lounge.slug])).content.decode()
    assert f'data-mention-url="{reverse("discussions:mentions")}"' in page
    assert 'data-mention-box="mentions-chat-body"' in page and 'id="mentions-chat-body"' in page
    assert "content/mentions.js" in page and "content/content.css" in page
