"""Reactions to chat messages: the admin-chosen set, shared with discussions (content.reactions); the
actions with their Activity rows, events and broadcasts, each refusal, the grouped tally, the page's
forms with and without htmx, the API, and a channel page whose query count does not grow with them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from chat_testing import chat_space
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from townhall.activity.models import Activity
from townhall.chat import actions, events
from townhall.chat.models import Message, MessageReaction
from townhall.chat.queries import single_line
from townhall.core.errors import Invalid, NotFound, PermissionDenied, RateLimited
from townhall.discussions.models import ReactionChoice
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def the_set(db: Any) -> None:
    """The admins' own set, in place of the community's defaults (the page and the actions read it, as
    discussions does)."""
    ReactionChoice.objects.all().delete()
    ReactionChoice.objects.create(emoji="🔭", label="Telescope", position=0)
    ReactionChoice.objects.create(emoji="✨", label="Sparkles", position=1)
    ReactionChoice.objects.create(emoji="👍", label="Thumbs up", position=2)


@pytest.fixture
def said(newcomer: Any, lounge: Space) -> Message:
    return actions.send_message(Guardian(newcomer), lounge, body="First light on M42 tonight!")


def _api(c: Client, method: str, url: str, body: Any = None) -> Any:
    if body is None:
        return getattr(c, method)(url)
    return getattr(c, method)(url, data=json.dumps(body), content_type="application/json")


# --- the actions ---------------------------------------------------------------------------------
def test_react_stores_logs_emits_and_broadcasts(
    the_set: None, member: Any, newcomer: Any, said: Message, emitted: list[Any], broadcasts: list[Any],
    committed: Any,
) -> None:  # fmt: skip
    with committed():
        reaction = actions.react_to_message(Guardian(member), said, emoji="🔭")
    assert (reaction.message_id, reaction.user_id, reaction.emoji) == (said.pk, member.pk, "🔭")
    row = Activity.objects.get(verb="message.reaction_added")
    assert (row.actor_id, row.target_id, row.space_id, row.data) == (
        member.pk, said.pk, said.space_id, {"emoji": "🔭", "author_id": newcomer.pk},
    )  # fmt: skip
    assert emitted[-1] == events.MessageReactionChanged(
        message_id=said.pk, space_id=said.space_id, actor_id=member.pk, message_author_id=newcomer.pk,
        emoji="🔭", added=True,
    )  # fmt: skip
    assert [b for b in broadcasts if b[1]["type"] == "chat"][-1] == (
        [f"space.{said.space_id}"],
        {"type": "chat", "op": "message_reacted", "space_id": said.space_id, "message_id": said.pk},
    )
    assert broadcasts[-1][0] == [f"user.{newcomer.pk}"]  # the author is told (notifications)


def test_reacting_twice_with_the_same_emoji_writes_nothing_more(
    the_set: None, member: Any, said: Message, broadcasts: list[Any], committed: Any
) -> None:
    actions.react_to_message(Guardian(member), said, emoji="🔭")
    with committed():
        again = actions.react_to_message(Guardian(member), said, emoji="🔭")
    assert MessageReaction.objects.get().pk == again.pk
    assert Activity.objects.filter(verb="message.reaction_added").count() == 1
    assert broadcasts == []


def test_unreact_removes_logs_and_broadcasts(
    the_set: None, member: Any, said: Message, emitted: list[Any], broadcasts: list[Any], committed: Any
) -> None:
    actions.react_to_message(Guardian(member), said, emoji="✨")
    with committed():
        actions.unreact_to_message(Guardian(member), said, emoji="✨")
    assert not MessageReaction.objects.exists()
    assert Activity.objects.get(verb="message.reaction_removed").data["emoji"] == "✨"
    assert emitted[-1].added is False
    assert broadcasts[-1][1]["op"] == "message_reacted"


def test_taking_back_a_reaction_never_given_is_refused(the_set: None, member: Any, said: Message) -> None:
    with pytest.raises(Invalid, match="You have not reacted with that"):
        actions.unreact_to_message(Guardian(member), said, emoji="🔭")


def test_toggle_adds_then_takes_back(the_set: None, member: Any, said: Message) -> None:
    assert actions.toggle_message_reaction(Guardian(member), said, emoji="👍") is True
    assert actions.toggle_message_reaction(Guardian(member), said, emoji="👍") is False
    assert not MessageReaction.objects.exists()


@pytest.mark.parametrize("emoji", ["🦄", "", "👍" * 20])
def test_an_emoji_outside_the_set_is_refused_and_nothing_stored(
    the_set: None, member: Any, said: Message, emoji: str
) -> None:
    with pytest.raises(Invalid, match="That reaction is not available here") as refused:
        actions.react_to_message(Guardian(member), said, emoji=emoji)
    assert refused.value.field_errors == {"emoji": ["Not an available reaction."]}
    assert not MessageReaction.objects.exists()


def test_a_change_to_the_set_applies_at_once(the_set: None, member: Any, said: Message) -> None:
    ReactionChoice.objects.filter(emoji="✨").delete()
    with pytest.raises(Invalid):
        actions.react_to_message(Guardian(member), said, emoji="✨")


def test_reactions_are_rate_limited(the_set: None, member: Any, said: Message, settings: Any) -> None:
    settings.CHAT_REACT_RATE = "2/m"
    actions.react_to_message(Guardian(member), said, emoji="🔭")
    actions.react_to_message(Guardian(member), said, emoji="✨")
    with pytest.raises(RateLimited):
        actions.react_to_message(Guardian(member), said, emoji="👍")
    assert MessageReaction.objects.count() == 2


# --- who may react --------------------------------------------------------------------------------
def test_people_who_cannot_see_the_channel_get_not_found(the_set: None, outsider: Any, said: Message) -> None:
    for guardian in (Guardian(outsider), Guardian(None)):
        with pytest.raises(NotFound):
            actions.react_to_message(guardian, said, emoji="🔭")


def test_refusals_say_why(
    the_set: None, member: Any, outsider: Any, suspended: Any, space_moderator: Any, said: Message
) -> None:
    public = chat_space("Open sky", visibility=Space.PUBLIC, members=[member, suspended])
    out_loud = actions.send_message(Guardian(member), public, body="Anyone out tonight?")
    cases = [
        (Guardian(None), out_loud, "Sign in to react."),
        (Guardian(outsider), out_loud, "Only active members can react."),
        (Guardian(suspended), out_loud, "Only active members can react."),
    ]
    for guardian, message, reason in cases:
        with pytest.raises(PermissionDenied) as refused:
            actions.react_to_message(guardian, message, emoji="🔭")
        assert refused.value.reason == reason
    actions.delete_message(Guardian(space_moderator), said)
    said.refresh_from_db()
    with pytest.raises(PermissionDenied, match="You cannot react to a deleted message"):
        actions.react_to_message(Guardian(member), said, emoji="🔭")
    assert not MessageReaction.objects.exists()


def test_an_archived_channel_takes_no_reactions(the_set: None, member: Any, said: Message) -> None:
    Space.objects.filter(pk=said.space_id).update(archived_at=timezone.now())
    said = Message.objects.select_related("space").get(pk=said.pk)
    with pytest.raises(PermissionDenied, match="archived"):
        actions.react_to_message(Guardian(member), said, emoji="🔭")


# --- the tally ------------------------------------------------------------------------------------
def test_the_tally_groups_per_emoji_in_the_sets_order_with_names_and_mine(
    the_set: None, member: Any, moderator: Any, newcomer: Any, said: Message
) -> None:
    actions.react_to_message(Guardian(member), said, emoji="👍")
    actions.react_to_message(Guardian(member), said, emoji="🔭")
    actions.react_to_message(Guardian(newcomer), said, emoji="🔭")
    line = single_line(Guardian(member), said.space, said)
    assert [(r.emoji, r.count, r.names, r.mine) for r in line.reactions] == [
        ("🔭", 2, ["Max Member", "Nina Newcomer"], True),
        ("👍", 1, ["Max Member"], True),
    ]
    theirs = single_line(Guardian(newcomer), said.space, said).reactions
    assert [(r.emoji, r.mine) for r in theirs] == [("🔭", True), ("👍", False)]


# --- the page -------------------------------------------------------------------------------------
def test_the_channel_shows_the_tally_and_a_form_per_emoji(
    the_set: None, client_for: Any, member: Any, newcomer: Any, said: Message
) -> None:
    actions.react_to_message(Guardian(newcomer), said, emoji="🔭")
    html = client_for(member).get("/s/lounge/").content.decode()
    assert f'id="chat-reactions-{said.pk}"' in html
    assert f'action="/chat/m/{said.pk}/react/"' in html
    assert 'value="🔭" class="reaction" aria-pressed="false" title="Telescope: Nina Newcomer"' in html
    assert '<span aria-hidden="true">🔭</span> 1<span class="visually-hidden"> Telescope</span>' in html
    assert 'class="react-picker small"' in html and 'value="✨"' in html


def test_a_plain_post_toggles_and_goes_back_to_the_message(
    the_set: None, client_for: Any, member: Any, said: Message
) -> None:
    c = client_for(member)
    response = c.post(f"/chat/m/{said.pk}/react/", {"emoji": "🔭"})
    assert response.status_code == 302 and response["Location"].endswith(f"?before={said.pk + 1}#m-{said.pk}")
    assert MessageReaction.objects.filter(message=said, user=member, emoji="🔭").exists()
    c.post(f"/chat/m/{said.pk}/react/", {"emoji": "🔭"})
    assert not MessageReaction.objects.exists()


def test_htmx_gets_the_bar_back(the_set: None, client_for: Any, member: Any, said: Message) -> None:
    response = client_for(member).post(f"/chat/m/{said.pk}/react/", {"emoji": "✨"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(
        f'<div class="reactions row" id="chat-reactions-{said.pk}">'
    )
    assert 'class="reaction reaction-mine" aria-pressed="true"' in html
    assert f'hx-target="#chat-reactions-{said.pk}"' in html


def test_page_refusals_answer_like_every_action(
    the_set: None, client_for: Any, member: Any, outsider: Any, space_moderator: Any, said: Message
) -> None:
    assert client_for(outsider).post(f"/chat/m/{said.pk}/react/", {"emoji": "🔭"}).status_code == 404
    assert client_for(member).post(f"/chat/m/{said.pk}/react/", {"emoji": "🦄"}).status_code == 400
    assert client_for(member).get(f"/chat/m/{said.pk}/react/").status_code == 405
    anonymous = client_for(None).post(f"/chat/m/{said.pk}/react/", {"emoji": "🔭"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    actions.delete_message(Guardian(space_moderator), said)
    assert client_for(member).post(f"/chat/m/{said.pk}/react/", {"emoji": "🔭"}).status_code == 403
    assert not MessageReaction.objects.exists()


def test_readers_who_may_not_react_see_the_tally_without_forms(
    the_set: None, client_for: Any, member: Any, outsider: Any
) -> None:
    chat_space("Open sky", visibility=Space.PUBLIC, members=[member])
    public = Space.objects.get(name="Open sky")
    message = actions.send_message(Guardian(member), public, body="Saturn's rings are edge-on")
    actions.react_to_message(Guardian(member), message, emoji="🔭")
    html = client_for(outsider).get(f"/s/{public.slug}/").content.decode()
    assert '<span class="reaction" title="Telescope: Max Member">' in html
    assert f"/chat/m/{message.pk}/react/" not in html and "react-picker" not in html


def test_a_deleted_message_shows_no_reactions(
    the_set: None, client_for: Any, member: Any, space_moderator: Any, said: Message
) -> None:
    actions.react_to_message(Guardian(member), said, emoji="🔭")
    actions.delete_message(Guardian(space_moderator), said)
    html = client_for(space_moderator).get("/s/lounge/").content.decode()
    assert f'id="chat-reactions-{said.pk}"' not in html


def test_the_page_query_count_does_not_grow_with_reactions(
    the_set: None, client_for: Any, member: Any, newcomer: Any, moderator: Any, lounge: Space,
    django_assert_num_queries: Any,
) -> None:  # fmt: skip
    """Reactions on 5 messages cost what reactions on 60 do: one query for the whole page."""
    start = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)

    def send(count: int, offset: int) -> list[Message]:
        return Message.objects.bulk_create(
            Message(space=lounge, author=newcomer, body=f"n{i}", html=f"<p>n{i}</p>",
                    created_at=start + timedelta(minutes=offset + i))
            for i in range(count)
        )  # fmt: skip

    def react(messages: list[Message], *people: tuple[Any, str]) -> None:
        MessageReaction.objects.bulk_create(
            MessageReaction(message=m, user=who, emoji=emoji) for m in messages for who, emoji in people
        )

    c = client_for(member)
    react(send(5, 0), (moderator, "🔭"))
    c.get("/s/lounge/")
    send(1, 10)
    with CaptureQueriesContext(connection) as few:
        assert c.get("/s/lounge/").status_code == 200
    react(send(60, 20), (moderator, "✨"), (member, "🔭"))
    with django_assert_num_queries(len(few)):
        assert c.get("/s/lounge/").status_code == 200


# --- the API --------------------------------------------------------------------------------------
def test_api_react_and_take_back(the_set: None, client_for: Any, member: Any, said: Message) -> None:
    c = client_for(member)
    added = _api(c, "post", f"/api/v1/messages/{said.pk}/reactions", {"emoji": "🔭"})
    assert added.status_code == 200
    assert added.json()["reactions"] == [
        {"emoji": "🔭", "label": "Telescope", "count": 1, "names": ["Max Member"], "mine": True}
    ]
    listed = c.get("/api/v1/spaces/lounge/messages").json()["items"]
    assert listed[-1]["reactions"][0]["emoji"] == "🔭"
    assert c.get(f"/api/v1/messages/{said.pk}").json()["reactions"][0]["count"] == 1
    removed = _api(c, "delete", f"/api/v1/messages/{said.pk}/reactions/🔭")
    assert removed.status_code == 200 and removed.json()["reactions"] == []


def test_api_refusals(the_set: None, client_for: Any, member: Any, outsider: Any, said: Message) -> None:
    url = f"/api/v1/messages/{said.pk}/reactions"
    unseen = _api(client_for(outsider), "post", url, {"emoji": "🔭"})
    missing = _api(client_for(outsider), "post", "/api/v1/messages/999999/reactions", {"emoji": "🔭"})
    assert unseen.status_code == missing.status_code == 404 and unseen.json() == missing.json()
    bad = _api(client_for(member), "post", url, {"emoji": "🦄"})
    assert bad.status_code == 422 and bad.json()["message"] == "That reaction is not available here."
    too_long = _api(client_for(member), "post", url, {"emoji": "x" * 17})
    assert too_long.status_code == 422
    never = _api(client_for(member), "delete", f"{url}/🔭")
    assert never.status_code == 422 and never.json()["message"] == "You have not reacted with that."
    assert _api(Client(), "post", url, {"emoji": "🔭"}).status_code == 401
    assert not MessageReaction.objects.exists()


# --- the bulk layer --------------------------------------------------------------------------------
def test_bulk_reactions_are_the_rows_the_action_writes(
    the_set: None, member: Any, newcomer: Any, said: Message
) -> None:
    from townhall.chat.bulk import NewMessageReaction, bulk_create_reactions

    actions.react_to_message(Guardian(member), said, emoji="🔭")
    acted = Activity.objects.get(verb="message.reaction_added")
    at = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    created = bulk_create_reactions(
        [
            NewMessageReaction(message_id=said.pk, user_id=newcomer.pk, emoji="🔭", at=at),
            NewMessageReaction(message_id=said.pk, user_id=newcomer.pk, emoji="🔭", at=at),  # once
            NewMessageReaction(message_id=said.pk, user_id=member.pk, emoji="🔭", at=at),  # given already
        ]
    )
    assert [(r.user_id, r.emoji, r.created_at) for r in created] == [(newcomer.pk, "🔭", at)]
    row = Activity.objects.exclude(pk=acted.pk).get(verb="message.reaction_added")
    assert (row.actor_id, row.target_id, row.space_id, row.data, row.created_at) == (
        newcomer.pk, said.pk, acted.space_id, acted.data, at,
    )  # fmt: skip
    assert single_line(Guardian(member), said.space, said).reactions[0].count == 2


def test_bulk_reactions_refuse_what_the_action_refuses(
    the_set: None, member: Any, space_moderator: Any, said: Message
) -> None:
    from townhall.chat.bulk import NewMessageReaction, bulk_create_reactions

    at = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    with pytest.raises(Invalid, match="not available"):
        bulk_create_reactions([NewMessageReaction(message_id=said.pk, user_id=member.pk, emoji="🦄", at=at)])
    actions.delete_message(Guardian(space_moderator), said)
    with pytest.raises(Invalid, match="deleted or missing"):
        bulk_create_reactions([NewMessageReaction(message_id=said.pk, user_id=member.pk, emoji="🔭", at=at)])
    assert not MessageReaction.objects.exists()
