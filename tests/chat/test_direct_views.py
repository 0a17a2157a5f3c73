"""The Messages inbox, New message, a conversation page, its people page, the profile's Message and
Block buttons, the blocked-members settings page, and what a block hides in channels."""

from __future__ import annotations

from typing import Any

import pytest
from chat_testing import chat_space
from direct_testing import block, dm, say
from django.db import connection
from django.test.utils import CaptureQueriesContext

import factories as testing
from townhall.accounts.models import Block
from townhall.chat.models import Message
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# session user, membership, the conversations, their last messages, their members, unread counts, my
# blocks, the sidebar's spaces and their unread counts, the layout's community row.
INBOX_QUERIES = 10


def test_the_inbox_lists_conversations_newest_first_with_unread_counts(
    client_for: Any, member: Any, newcomer: Any, moderator: Any
) -> None:
    older = dm(newcomer, member)
    say(newcomer, older, "Are you out tonight?")
    group = dm(moderator, member, newcomer, name="Star party")
    say(moderator, group, "Saturday at **20:00**")
    say(moderator, group, "Bring a red torch")
    html = client_for(member).get("/messages/").content.decode()
    assert html.index("Star party") < html.index("Nina Newcomer")
    assert "Bring a red torch" in html and "Are you out tonight?" in html
    assert '2<span class="visually-hidden"> unread</span>' in html
    assert '1<span class="visually-hidden"> unread</span>' in html
    assert 'href="/messages/new/"' in html


def test_the_inbox_query_count_does_not_grow_with_conversations(
    client_for: Any, member: Any, django_assert_num_queries: Any
) -> None:
    c = client_for(member)
    people = [testing.make_member(f"friend{i}") for i in range(6)]
    say(people[0], dm(people[0], member), "hi")
    c.get("/messages/")
    with django_assert_num_queries(INBOX_QUERIES):
        assert c.get("/messages/").status_code == 200
    for person in people[1:]:
        say(person, dm(person, member, people[0]), "hello")
    with django_assert_num_queries(INBOX_QUERIES):
        assert c.get("/messages/").status_code == 200


def test_the_inbox_list_is_a_live_fragment(client_for: Any, member: Any, newcomer: Any) -> None:
    say(newcomer, dm(newcomer, member), "ping")
    html = client_for(member).get("/messages/").content.decode()
    assert 'data-live="/messages/?part=list" data-live-on="chat direct"' in html
    part = client_for(member).get("/messages/?part=list", **HTMX).content.decode()
    assert "ping" in part and "<h1" not in part and part.lstrip().startswith("<ul")


def test_the_inbox_needs_a_signed_in_person(client: Any, community: Any) -> None:
    assert client.get("/messages/").status_code == 302


def test_pending_members_see_why_they_cannot_start_one(client_for: Any, pending: Any) -> None:
    html = client_for(pending).get("/messages/").content.decode()
    assert "Join the community to send direct messages." in html and "/messages/new/" not in html


def test_new_message_starts_a_conversation_and_sends_the_first_message(
    client_for: Any, member: Any, newcomer: Any
) -> None:
    page = client_for(member).get("/messages/new/?to=nina").content.decode()
    assert 'value="nina"' in page and '<option value="nina">' in page
    response = client_for(member).post("/messages/new/", {"to": "@Nina", "body": "Welcome aboard!"})
    space = Space.objects.get(kind="direct")
    assert response.status_code == 302 and response["Location"] == f"/messages/{space.slug}/"
    assert Message.objects.get().body == "Welcome aboard!"
    again = client_for(member).post("/messages/new/", {"to": "nina"})
    assert again["Location"] == f"/messages/{space.slug}/"


def test_new_message_shows_refusals_on_the_form(client_for: Any, member: Any, newcomer: Any) -> None:
    c = client_for(member)
    html = c.post("/messages/new/", {"to": "nobody-here", "body": "hi"}).content.decode()
    assert "No member is called @nobody-here." in html and "hi" in html
    assert c.post("/messages/new/", {"to": " , "}).status_code == 400
    block(newcomer, member)
    html = c.post("/messages/new/", {"to": "nina", "body": "still there?"}).content.decode()
    assert "You cannot send direct messages to Nina Newcomer." in html
    assert not Space.objects.filter(kind="direct").exists()


def test_a_conversation_page_shows_the_channel_under_its_header(
    client_for: Any, member: Any, newcomer: Any
) -> None:
    space = dm(newcomer, member)
    say(newcomer, space, "Clear skies over Hamburg")
    html = client_for(member).get(f"/messages/{space.slug}/").content.decode()
    assert "<h1" in html and "Nina Newcomer" in html and "Clear skies over Hamburg" in html
    assert f'action="/s/{space.slug}/chat/send/"' in html  # the same composer as in channels
    assert "chat/chat.js" in html
    # the space page of a conversation sends people to it, the query string kept
    response = client_for(member).get(f"/s/{space.slug}/?before=99")
    assert response.status_code == 302 and response["Location"] == f"/messages/{space.slug}/?before=99"


@pytest.mark.parametrize("viewer", ["admin", "moderator", "outsider"])
def test_a_conversation_answers_404_to_everyone_else(
    request: Any, client_for: Any, member: Any, newcomer: Any, viewer: str
) -> None:
    space = dm(member, newcomer)
    message = say(member, space, "private")
    c = client_for(request.getfixturevalue(viewer))
    assert c.get(f"/messages/{space.slug}/").status_code == 404
    assert c.get(f"/messages/{space.slug}/people/").status_code == 404
    assert c.get(f"/s/{space.slug}/").status_code == 404
    assert c.get(f"/chat/m/{message.pk}/", **HTMX).status_code == 404
    send = c.post(f"/s/{space.slug}/chat/send/", {"body": "hello", "client_key": "k1"})
    assert send.status_code == 404
    assert c.get("/messages/no-such-conversation/").status_code == 404
    assert Message.objects.count() == 1


def test_sending_in_a_conversation_with_htmx_works_like_a_channel(
    client_for: Any, member: Any, newcomer: Any
) -> None:
    space = dm(member, newcomer)
    response = client_for(member).post(
        f"/s/{space.slug}/chat/send/", {"body": "hi", "client_key": "a1"}, **HTMX
    )
    assert response.status_code == 200 and "hi" in response.content.decode()
    plain = client_for(member).post(f"/s/{space.slug}/chat/send/", {"body": "again", "client_key": "a2"})
    assert plain.status_code == 302 and plain["Location"].startswith(f"/s/{space.slug}/#m-")


def test_a_blocked_pair_shows_why_the_composer_is_gone(client_for: Any, member: Any, newcomer: Any) -> None:
    space = dm(member, newcomer)
    block(member, newcomer)
    html = client_for(member).get(f"/messages/{space.slug}/").content.decode()
    assert "You blocked this member: unblock them to send messages here." in html
    assert 'id="chat-compose"' not in html
    refused = client_for(newcomer).post(f"/s/{space.slug}/chat/send/", {"body": "hi", "client_key": "z"})
    assert refused.status_code == 400
    assert "You can no longer send messages in this conversation." in refused.content.decode()


def test_the_people_page_adds_renames_and_leaves(
    client_for: Any, member: Any, newcomer: Any, moderator: Any
) -> None:
    group = dm(member, newcomer, name="Star party")
    c = client_for(member)
    page = c.get(f"/messages/{group.slug}/people/").content.decode()
    assert "Add a member" in page and "Conversation name" in page and "Leave this conversation" in page
    assert c.post(f"/messages/{group.slug}/add/", {"username": "mona"}).status_code == 302
    assert SpaceMembership.objects.filter(space=group, user=moderator).exists()
    html = c.post(f"/messages/{group.slug}/add/", {"username": "mona"}).content.decode()
    assert "Mona Moderator is already in this conversation." in html
    html = c.post(f"/messages/{group.slug}/add/", {"username": "ghost"}).content.decode()
    assert "No member is called @ghost." in html
    assert c.post(f"/messages/{group.slug}/rename/", {"name": "Comet chasers"}).status_code == 302
    group.refresh_from_db()
    assert group.name == "Comet chasers"
    assert c.post(f"/messages/{group.slug}/rename/", {"name": "x" * 81}).status_code == 400
    response = c.post(f"/messages/{group.slug}/leave/")
    assert response.status_code == 302 and response["Location"] == "/messages/"
    assert c.get(f"/messages/{group.slug}/").status_code == 404


def test_a_pair_has_no_add_rename_or_leave(client_for: Any, member: Any, newcomer: Any) -> None:
    pair = dm(member, newcomer)
    page = client_for(member).get(f"/messages/{pair.slug}/people/").content.decode()
    assert "Add a member" not in page and "Leave this conversation" not in page
    assert "block the member" in page
    assert client_for(member).post(f"/messages/{pair.slug}/leave/").status_code == 403


def test_the_profile_has_message_and_block_buttons(client_for: Any, member: Any, newcomer: Any) -> None:
    c = client_for(member)
    html = c.get("/u/nina/").content.decode()
    assert 'action="/messages/with/nina/"' in html and "Block Nina Newcomer" in html
    response = c.post("/messages/with/nina/")
    space = Space.objects.get(kind="direct")
    assert response["Location"] == f"/messages/{space.slug}/"
    assert c.post("/u/nina/block/")["Location"] == "/u/nina/"
    assert Block.objects.filter(blocker=member, blocked=newcomer).exists()
    html = c.get("/u/nina/").content.decode()
    assert "Unblock Nina Newcomer" in html and "You cannot send direct messages to Nina Newcomer." in html
    assert c.post("/u/nina/unblock/")["Location"] == "/u/nina/"
    assert not Block.objects.exists()
    own = c.get("/u/max/").content.decode()
    assert "Block Max" not in own and "/messages/with/" not in own


def test_blocking_oneself_is_a_message_not_an_error(client_for: Any, member: Any) -> None:
    response = client_for(member).post("/u/max/block/", follow=True)
    assert "You cannot block yourself." in response.content.decode()


def test_the_blocked_members_page_lists_them_and_holds_the_preference(
    client_for: Any, member: Any, newcomer: Any
) -> None:
    block(member, newcomer)
    c = client_for(member)
    html = c.get("/settings/blocked/").content.decode()
    assert "Nina Newcomer" in html and 'action="/u/nina/unblock/"' in html
    assert c.post("/u/nina/unblock/", {"from": "blocked"})["Location"] == "/settings/blocked/"
    assert "You have not blocked anyone." in c.get("/settings/blocked/").content.decode()
    assert c.post("/settings/messages/", {"contacts_only": "on"}).status_code == 302
    member.refresh_from_db()
    assert member.dms_from_contacts_only
    assert "checked" in c.get("/settings/blocked/").content.decode()


def test_messages_from_a_blocked_member_are_collapsed_in_channels(
    client_for: Any, member: Any, newcomer: Any, lounge: Space, django_assert_num_queries: Any
) -> None:
    say(newcomer, lounge, "nobody reads this")
    say(member, lounge, "my own words")
    c = client_for(member)
    c.get("/s/lounge/")
    block(member, newcomer)
    html = c.get("/s/lounge/").content.decode()
    assert "nobody reads this" not in html and "Message from a member you blocked" in html
    assert "my own words" in html
    # the live fragment too, and the other members still see it
    message = Message.objects.get(body="nobody reads this")
    assert "nobody reads this" not in c.get(f"/chat/m/{message.pk}/", **HTMX).content.decode()
    assert "nobody reads this" in client_for(newcomer).get("/s/lounge/").content.decode()


def test_the_sidebar_links_messages_with_a_live_count(client_for: Any, member: Any, newcomer: Any) -> None:
    space = dm(newcomer, member)
    html = client_for(member).get("/messages/").content.decode()
    assert 'data-live="/messages/count/" data-live-on="chat direct" data-live-load' in html
    assert client_for(member).get("/messages/count/").content.decode().strip() == ""
    say(newcomer, space, "one")
    say(newcomer, space, "two")
    count = client_for(member).get("/messages/count/").content.decode()
    assert count.startswith("2<span")


def test_conversations_are_not_in_the_space_directory_or_sidebar(
    client_for: Any, member: Any, newcomer: Any
) -> None:
    chat_space("Lounge", members=[member])
    dm(member, newcomer, name="Secret plans")
    html = client_for(member).get("/spaces/").content.decode()
    assert "Lounge" in html and "Secret plans" not in html
    assert "Secret plans" not in client_for(member).get("/messages/count/").content.decode()


def test_the_new_space_form_does_not_offer_conversations(client_for: Any, admin: Any) -> None:
    html = client_for(admin).get("/spaces/new/").content.decode()
    assert 'value="chat"' in html and 'value="direct"' not in html
    from townhall.spaces import actions as space_actions

    with pytest.raises(Exception, match="Kind must be one of"):
        space_actions.clean_kind("direct", {})


def test_search_finds_conversation_messages_for_their_members_only(
    client_for: Any, member: Any, newcomer: Any, admin: Any
) -> None:
    space = dm(member, newcomer)
    say(member, space, "the andromeda flats are ready")
    hits = client_for(newcomer).get("/api/v1/search", {"q": "andromeda"}).json()["hits"]
    assert len(hits) == 1 and hits[0]["space"] == space.slug
    for person in (admin, None):
        assert client_for(person).get("/api/v1/search", {"q": "andromeda"}).json()["hits"] == []
    assert "<mark>andromeda</mark>" in client_for(member).get("/search/", {"q": "andromeda"}).content.decode()


def test_the_conversation_page_query_count_does_not_grow_with_history(
    client_for: Any, member: Any, newcomer: Any, django_assert_num_queries: Any, settings: Any
) -> None:
    settings.CHAT_SEND_RATE = "1000/m"
    space = dm(newcomer, member)
    c = client_for(member)
    say(newcomer, space, "first")
    c.get(f"/messages/{space.slug}/")
    say(newcomer, space, "second")
    with CaptureQueriesContext(connection) as short:
        c.get(f"/messages/{space.slug}/")
    for i in range(60):
        say(newcomer, space, f"note {i}")
    with django_assert_num_queries(len(short.captured_queries)):
        html = c.get(f"/messages/{space.slug}/").content.decode()
    assert "note 59" in html and "Load earlier messages" in html
    assert 'aria-label="Messages in Nina Newcomer"' in html and "<label" in html


def test_message_with_someone_who_may_not_be_written_to_is_403(
    client_for: Any, member: Any, pending: Any
) -> None:
    response = client_for(member).post("/messages/with/pat/")
    assert (
        response.status_code == 403
        and "Pat Pending cannot receive direct messages" in response.content.decode()
    )
    assert client_for(member).post("/messages/with/ghost/").status_code == 404


def test_search_leaves_out_what_blocked_members_wrote(
    client_for: Any, member: Any, newcomer: Any, lounge: Space
) -> None:
    say(newcomer, lounge, "the andromeda flats from nina")
    say(member, lounge, "my andromeda flats")
    block(member, newcomer)
    hits = client_for(member).get("/api/v1/search", {"q": "andromeda"}).json()["hits"]
    assert [h["author"]["username"] for h in hits] == ["max"]
    assert len(client_for(newcomer).get("/api/v1/search", {"q": "andromeda"}).json()["hits"]) == 2
