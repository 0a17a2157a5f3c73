"""A channel's live extras: presence dots on the authors (hidden presence reads as offline), presence
changes announced to the person's chat spaces, the typing line, and the names behind a typing frame."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chat_testing import chat_space
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.accounts.models import User
from townhall.chat import actions
from townhall.policy import Guardian
from townhall.realtime import presence
from townhall.realtime.publish import space_group
from townhall.spaces.models import Space

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_presence() -> None:
    cache.clear()


def dot_state(html: str, user: Any) -> str:
    found = re.search(rf'data-presence-user="{user.pk}" data-state="(\w+)"', html)
    assert found, f"no presence dot for {user.username}"
    return found.group(1)


def test_authors_show_online_away_or_offline(
    client_for: Any, member: Any, newcomer: Any, space_moderator: Any, lounge: Space
) -> None:
    actions.send_message(Guardian(newcomer), lounge, body="Clear skies tonight!")
    actions.send_message(Guardian(space_moderator), lounge, body="Dew heaters on, everyone.")
    presence.touch(newcomer.pk, "tab-1")
    html = client_for(member).get("/s/lounge/").content.decode()
    assert dot_state(html, newcomer) == "online" and dot_state(html, space_moderator) == "offline"
    assert "(online)" in html  # said in words too, not by colour alone
    presence.touch(newcomer.pk, "tab-1", "away")
    assert dot_state(client_for(member).get("/s/lounge/").content.decode(), newcomer) == "away"


def test_someone_who_hides_their_presence_reads_as_offline_to_others(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    actions.send_message(Guardian(newcomer), lounge, body="Stacking 200 frames of M31.")
    presence.touch(newcomer.pk, "tab-1")
    User.objects.filter(pk=newcomer.pk).update(hide_presence=True)
    assert dot_state(client_for(member).get("/s/lounge/").content.decode(), newcomer) == "offline"
    # They still see themselves as they are.
    assert dot_state(client_for(newcomer).get("/s/lounge/").content.decode(), newcomer) == "online"
    assert presence.of([newcomer.pk], viewer_id=member.pk) == {newcomer.pk: "offline"}


def test_a_live_fragment_carries_its_authors_dot(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    message = actions.send_message(Guardian(newcomer), lounge, body="Anyone up for Jupiter?")
    presence.touch(newcomer.pk, "tab-1")
    html = client_for(member).get(f"/chat/m/{message.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert dot_state(html, newcomer) == "online" and f'data-author="{newcomer.pk}"' in html


def test_presence_changes_go_to_the_persons_chat_spaces_only(
    member: Any, newcomer: Any, lounge: Space, broadcasts: list[Any]
) -> None:
    other_chat = chat_space("Imaging", members=[newcomer])
    talk = testing.make_space("Gear talk", members=[newcomer])  # a discussion space: no presence there
    presence.touch(newcomer.pk, "tab-1")
    assert broadcasts == [
        (
            sorted([space_group(lounge.pk), space_group(other_chat.pk)]),
            {"type": "presence", "op": "online", "user_id": newcomer.pk},
        )
    ]
    assert space_group(talk.pk) not in broadcasts[0][0]
    presence.leave(newcomer.pk, "tab-1")
    assert broadcasts[-1][1] == {"type": "presence", "op": "offline", "user_id": newcomer.pk}


def test_a_hidden_person_is_never_announced(newcomer: Any, lounge: Space, broadcasts: list[Any]) -> None:
    User.objects.filter(pk=newcomer.pk).update(hide_presence=True)
    presence.touch(newcomer.pk, "tab-1")
    presence.leave(newcomer.pk, "tab-1")
    assert [p for _g, p in broadcasts if p["type"] == "presence"] == []


def test_the_page_has_a_polite_typing_line_for_those_signed_in(
    client_for: Any, member: Any, lounge: Space, community: Any
) -> None:
    html = client_for(member).get("/s/lounge/").content.decode()
    assert '<p class="chat-typing small" id="chat-typing" aria-live="polite"></p>' in html
    assert 'data-people-url="/s/lounge/chat/people/"' in html and "chat/live.js" in html
    public = chat_space("Star party", visibility=Space.PUBLIC)
    assert 'id="chat-typing"' not in client_for(None).get(f"/s/{public.slug}/").content.decode()


def test_typing_names_are_those_of_the_spaces_members(
    client_for: Any, member: Any, newcomer: Any, outsider: Any, lounge: Space
) -> None:
    url = f"/s/lounge/chat/people/?ids={newcomer.pk},{outsider.pk},nonsense,-4,{member.pk}"
    answer = client_for(member).get(url)
    assert answer.status_code == 200
    assert answer.json() == {"names": {str(member.pk): member.name, str(newcomer.pk): newcomer.name}}
    assert client_for(member).get("/s/lounge/chat/people/").json() == {"names": {}}


def test_typing_names_of_a_chat_one_may_not_read_answer_404(
    client_for: Any, member: Any, outsider: Any, lounge: Space
) -> None:
    assert client_for(outsider).get(f"/s/lounge/chat/people/?ids={member.pk}").status_code == 404
    assert client_for(member).get("/s/no-such-space/chat/people/?ids=1").status_code == 404
    assert client_for(None).get(f"/s/lounge/chat/people/?ids={member.pk}").status_code == 302  # log in


def test_typing_names_cost_the_same_for_many_ids(
    client_for: Any, member: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    client = client_for(member)
    client.get("/s/lounge/chat/people/?ids=1")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/s/lounge/chat/people/?ids={member.pk}")
    ids = ",".join(str(n) for n in range(1, 60))
    with django_assert_num_queries(len(one)):
        assert client.get(f"/s/lounge/chat/people/?ids={ids}").status_code == 200


def test_presence_changes_are_not_pushed_to_very_large_channels(
    newcomer: Any, lounge: Space, broadcasts: list[Any], settings: Any
) -> None:
    settings.CHAT_PRESENCE_FANOUT_MAX = 10
    crowded = chat_space("Star party", members=[newcomer])
    Space.objects.filter(pk=crowded.pk).update(member_count=11)
    presence.touch(newcomer.pk, "tab-1")
    assert [groups for groups, payload in broadcasts if payload["type"] == "presence"] == [
        [space_group(lounge.pk)]
    ]
