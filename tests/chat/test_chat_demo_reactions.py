"""The demo's chat space has reactions from the community's set, on the messages that deserve them (and
never from the future), and a few messages carry files."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import demo_chat_members
from django.utils import timezone

from townhall.activity.models import Activity
from townhall.chat.models import MessageReaction
from townhall.chat.queries import channel_page
from townhall.content.reactions import allowed_emoji
from townhall.policy import Guardian
from townhall.seed import demo_chat
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


def test_the_demo_channel_has_believable_reactions(community: Any) -> None:
    users = demo_chat_members()
    now = timezone.now()
    counts = demo_chat.seed_chat(users, now)
    space = Space.objects.get(name=demo_chat.NAME)
    reactions = MessageReaction.objects.filter(message__space=space)
    assert counts["message reactions"] == reactions.count() >= 40
    assert set(reactions.values_list("emoji", flat=True)) <= set(allowed_emoji())
    assert all(r.created_at < now for r in reactions)
    assert Activity.objects.filter(verb="message.reaction_added").count() == reactions.count()
    lines = channel_page(Guardian(users["lena"]), space).lines
    aurora = next(line for line in lines if line.message.body.startswith("It showed up"))
    assert [(r.emoji, r.count) for r in aurora.reactions] == [("❤️", 3), ("🎉", 3)]
    assert any(r.mine for r in aurora.reactions if r.emoji == "❤️")  # lena gave one


def test_the_demo_channel_has_files(community: Any) -> None:
    users = demo_chat_members()
    counts = demo_chat.seed_chat(users, timezone.now())
    space = Space.objects.get(name=demo_chat.NAME)
    lines = channel_page(Guardian(users["lena"]), space).lines
    sent = {
        line.message.body[:12]: [a.upload for a in line.attachments] for line in lines if line.attachments
    }
    assert counts["message files"] == 3 and len(sent) == 3
    aurora = sent["It showed up"][0]
    assert (aurora.kind, aurora.name, aurora.uploader_id) == ("image", "kiruna-aurora.png", users["emma"].pk)
    assert sent["Quick versio"][0].content_type == "text/plain; charset=utf-8"
