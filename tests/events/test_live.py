"""Live sessions: an online event's live chat is a chat thread (in the chat space its calendar names),
shown beside the join link; afterwards a host turns it into the event's recap topic."""

from __future__ import annotations

import json
from typing import Any

import pytest
from door_testing import shift, tonight

import factories as testing
from townhall.activity.models import Activity
from townhall.chat import actions as chat_actions
from townhall.chat.models import Message
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.discussions.models import Post
from townhall.events import actions
from townhall.events.live_views import live_context
from townhall.events.models import Event, Occurrence
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db

ONLINE = {
    "location_kind": Event.ONLINE,
    "online_url": "https://meet.example.org/star",
    "venue": "",
    "address": "",
}


@pytest.fixture
def lounge(member: Any, newcomer: Any, host: Any, space_moderator: Any) -> Space:
    """The chat space where the calendar's live sessions talk (newcomer is not in it)."""
    return testing.make_space(
        "Live lounge",
        kind="chat",
        visibility=Space.PRIVATE,
        members=[member, host],
        moderators=[space_moderator],
    )


@pytest.fixture
def recaps(community: Any) -> Space:
    return testing.make_space("Recaps", kind="discussion", visibility=Space.PUBLIC)


@pytest.fixture
def live_calendar(calendar: Space, lounge: Space) -> Space:
    calendar.kind_settings = {**calendar.kind_settings, "live_chat_space": lounge.slug}
    calendar.save(update_fields=["kind_settings"])
    return calendar


def _online(space_moderator: Any, space: Space, host: Any = None, **fields: Any) -> Occurrence:
    return tonight(space_moderator, space, host=host, **{**ONLINE, **fields})


def test_a_host_opens_the_live_chat_once(
    space_moderator: Any, host: Any, live_calendar: Space, lounge: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    root = actions.open_live_chat(Guardian(host), occurrence.event)
    assert root.space_id == lounge.pk and root.author_id == host.pk and "Live:" in root.body
    assert f"/events/{occurrence.event_id}/" in root.body
    again = actions.open_live_chat(Guardian(space_moderator), occurrence.event)
    assert again.pk == root.pk and Message.objects.count() == 1
    assert Event.objects.get(pk=occurrence.event_id).chat_root_id == root.pk
    assert Activity.objects.filter(verb="event.live_chat_opened", actor=host).count() == 1


def test_an_event_in_a_chat_space_talks_there(space_moderator: Any, host: Any, lounge: Space) -> None:
    occurrence = _online(space_moderator, lounge)
    assert actions.open_live_chat(Guardian(space_moderator), occurrence.event).space_id == lounge.pk


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"location_kind": Event.IN_PERSON, "online_url": "", "venue": "Hall"}, "Only online and hybrid"),
    ],
)
def test_opening_refusals(
    space_moderator: Any, host: Any, live_calendar: Space, change: dict[str, Any], message: str
) -> None:
    occurrence = tonight(space_moderator, live_calendar, host=host, **{**ONLINE, **change})
    with pytest.raises(PermissionDenied, match=message):
        actions.open_live_chat(Guardian(host), occurrence.event)


def test_no_chat_space_no_live_chat(space_moderator: Any, calendar: Space) -> None:
    occurrence = _online(space_moderator, calendar)
    with pytest.raises(PermissionDenied, match="no chat space for live sessions"):
        actions.open_live_chat(Guardian(space_moderator), occurrence.event)


def test_members_do_not_open_it_and_an_over_event_is_closed(
    space_moderator: Any, member: Any, outsider: Any, live_calendar: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar)
    with pytest.raises(PermissionDenied, match="Only the event's hosts"):
        actions.open_live_chat(Guardian(member), occurrence.event)
    with pytest.raises(NotFound):
        actions.open_live_chat(Guardian(outsider), occurrence.event)
    over = shift(occurrence, -30)
    with pytest.raises(PermissionDenied, match="over"):
        actions.open_live_chat(Guardian(space_moderator), over.event)


def _talk(host: Any, member: Any, occurrence: Occurrence) -> Message:
    root = actions.open_live_chat(Guardian(host), occurrence.event)
    chat_actions.reply_in_thread(Guardian(member), root, body="Can we see Saturn tonight?")
    chat_actions.reply_in_thread(Guardian(host), root, body="Yes, after ten.")
    return root


def test_the_recap_keeps_everything_said(
    space_moderator: Any, host: Any, member: Any, live_calendar: Space, recaps: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    root = _talk(host, member, occurrence)
    event = shift(occurrence, -2).event
    topic = actions.promote_live_chat(Guardian(host), event, to_space=recaps)
    assert topic.title == f"Recap: {event.title}" and topic.space_id == recaps.pk
    bodies = list(Post.objects.filter(topic=topic).order_by("id").values_list("body", flat=True))
    assert bodies[1:] == ["Can we see Saturn tonight?", "Yes, after ten."]
    assert Event.objects.get(pk=event.pk).recap_topic_id == topic.pk
    assert Message.objects.get(pk=root.pk).promoted_to_id == topic.pk
    assert Activity.objects.filter(verb="event.recap_promoted").count() == 1
    with pytest.raises(PermissionDenied, match="already has its recap"):
        actions.promote_live_chat(Guardian(host), Event.objects.get(pk=event.pk), to_space=recaps)


def test_recap_refusals(
    space_moderator: Any, host: Any, member: Any, live_calendar: Space, recaps: Space, lounge: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    with pytest.raises(PermissionDenied, match="no live chat"):
        actions.promote_live_chat(Guardian(host), shift(occurrence, -2).event, to_space=recaps)
    occurrence = shift(occurrence, 2)
    _talk(host, member, occurrence)
    event = Event.objects.get(pk=occurrence.event_id)
    with pytest.raises(PermissionDenied, match="once the event has started"):
        actions.promote_live_chat(Guardian(host), event, to_space=recaps)
    event = shift(occurrence, -2).event
    with pytest.raises(PermissionDenied, match="Only the event's hosts"):
        actions.promote_live_chat(Guardian(member), event, to_space=recaps)
    with pytest.raises(Invalid, match="Pick a discussions space"):
        actions.promote_live_chat(Guardian(host), event, to_space=lounge)
    assert Event.objects.get(pk=event.pk).recap_topic_id is None


def test_chats_own_rule_still_applies_to_a_cohost_who_did_not_open_it(
    space_moderator: Any, host: Any, member: Any, live_calendar: Space, recaps: Space, lounge: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    _talk(host, member, occurrence)
    event = shift(occurrence, -2).event
    cohost = testing.make_member("cora", display_name="Cora Cohost")
    actions.add_host(Guardian(space_moderator), event, user=cohost)
    with pytest.raises(PermissionDenied, match="which you cannot read"):
        actions.promote_live_chat(Guardian(cohost), event, to_space=recaps)
    SpaceMembership.objects.create(space=lounge, user=cohost)
    with pytest.raises(PermissionDenied, match="author or this space's moderators"):
        actions.promote_live_chat(Guardian(cohost), event, to_space=recaps)


# --- the panel and its pages ------------------------------------------------------------------------
def test_the_panel_shows_the_thread_during_the_event(
    client_for: Any, space_moderator: Any, host: Any, member: Any, newcomer: Any, live_calendar: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    _talk(host, member, occurrence)
    during = shift(occurrence, -1)
    html = client_for(member).get(f"/events/date/{during.pk}/live/").content.decode()
    assert "Live chat" in html and "Can we see Saturn tonight?" in html and 'id="thread-compose"' in html
    assert "chat/thread.js" in html
    hosting = client_for(host).get(f"/events/date/{during.pk}/live/").content.decode()
    assert "Saturn" in hosting and "Make the recap topic" not in hosting  # offered once it is over
    outside = client_for(newcomer).get(f"/events/date/{during.pk}/live/").content.decode()
    assert "Saturn" not in outside and "join that space to take part" in outside


def test_the_panel_before_the_chat_is_open(
    client_for: Any, space_moderator: Any, host: Any, member: Any, live_calendar: Space, calendar: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    assert (
        "Open the live chat" in client_for(host).get(f"/events/date/{occurrence.pk}/live/").content.decode()
    )
    member_view = client_for(member).get(f"/events/date/{occurrence.pk}/live/").content.decode()
    assert "Open the live chat" not in member_view and "opens when the hosts start" in member_view
    in_person = tonight(space_moderator, calendar, title="Picnic")
    assert "no live chat" in client_for(member).get(f"/events/date/{in_person.pk}/live/").content.decode()


def test_live_context_is_one_key(rf: Any, space_moderator: Any, live_calendar: Space) -> None:
    occurrence = _online(space_moderator, live_calendar)
    request = rf.get("/")
    request.user = space_moderator
    request.guardian = Guardian(space_moderator)
    context = live_context(request, occurrence)
    assert list(context) == ["live"] and context["live"]["shown"] and context["live"]["can_open"]


def test_opening_and_the_recap_through_the_pages(
    client_for: Any, space_moderator: Any, host: Any, member: Any, live_calendar: Space, recaps: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    c = client_for(host)
    opened = c.post(f"/events/date/{occurrence.pk}/live/open/", {"next": "https://evil.example/"})
    assert opened.status_code == 302 and opened["Location"] == f"/events/date/{occurrence.pk}/live/"
    assert Event.objects.get(pk=occurrence.event_id).chat_root_id is not None
    assert client_for(member).post(f"/events/date/{occurrence.pk}/live/open/", follow=True).status_code == 200
    after = shift(occurrence, -3)
    page = c.get(f"/events/date/{after.pk}/live/").content.decode()
    assert "Make the recap topic" in page and "Recaps" in page
    bad = c.post(f"/events/date/{after.pk}/live/recap/", {"recap-space": "999999", "recap-title": "x"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    made = c.post(
        f"/events/date/{after.pk}/live/recap/", {"recap-space": str(recaps.pk), "recap-title": "Saturn night"}
    )
    topic_id = Event.objects.get(pk=after.event_id).recap_topic_id
    assert made.status_code == 302 and topic_id is not None and f"/{topic_id}/" in made["Location"]
    shown = client_for(member).get(f"/events/date/{after.pk}/live/").content.decode()
    assert "recap topic" in shown and "Saturn night" in shown
    assert client_for(member).post(f"/events/date/{after.pk}/live/recap/", {}).status_code == 403


def test_api_recap(
    client_for: Any, space_moderator: Any, host: Any, member: Any, live_calendar: Space, recaps: Space
) -> None:
    occurrence = _online(space_moderator, live_calendar, host)
    _talk(host, member, occurrence)
    event = shift(occurrence, -2).event
    url = f"/api/v1/events/{event.pk}/recap"

    def post(c: Any, body: Any) -> Any:
        return c.post(url, data=json.dumps(body), content_type="application/json")

    assert post(client_for(member), {"space": recaps.slug}).status_code == 403
    nowhere = post(client_for(host), {"space": "no-such-space"})
    assert nowhere.status_code == 422 and nowhere.json()["errors"]["space"]
    made = post(client_for(host), {"space": recaps.slug, "title": "Saturn recap"})
    assert made.status_code == 201 and made.json()["title"] == "Saturn recap"
    assert post(client_for(host), {"space": recaps.slug}).status_code == 403
