"""The notification centre, its badge, opening a notification, and the notification settings page:
plain requests (no JavaScript) and htmx requests, good and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from notify_testing import MENTION, REACTION, REPLY, notify

from townhall.notifications.models import EMAIL, PUSH, Notification, Preference, Settings
from townhall.spaces.models import Space, SpaceMembership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds")]

HX = {"HTTP_HX_REQUEST": "true"}


def test_the_centre_lists_the_members_notifications(client_for: Any, member: Any, ana: Any) -> None:
    notify(member, actor=ana, title="Dark skies <b>tonight</b>")
    notify(member, kind=MENTION.key, actor=ana, title="Meteor watch", read=True)
    page = client_for(member).get("/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert (
        "<strong>Ana Aperture</strong> replied to <strong>Dark skies &lt;b&gt;tonight&lt;/b&gt;</strong>"
        in html
    )
    assert "mentioned you in" in html
    assert "1 unread" in html and "Mark all read" in html
    assert 'aria-current="page">All</a>' in html
    assert 'data-live="/notifications/?part=list" data-live-on="notifications"' in html


@pytest.mark.parametrize(
    ("filter", "empty"),
    [
        ("", "No notifications yet."),
        ("unread", "You are all caught up."),
        ("mentions", "No mentions yet."),
    ],
)
def test_empty_states(client_for: Any, member: Any, filter: str, empty: str) -> None:
    html = client_for(member).get(f"/notifications/?filter={filter}").content.decode()
    assert empty in html and "Mark all read" not in html


def test_the_tabs_filter(client_for: Any, member: Any, ana: Any) -> None:
    notify(member, actor=ana, title="Old reply", read=True)
    notify(member, kind=MENTION.key, actor=ana, title="Meteor watch")
    c = client_for(member)
    unread = c.get("/notifications/?filter=unread").content.decode()
    assert "Meteor watch" in unread and "Old reply" not in unread
    assert 'aria-current="page">Unread</a>' in unread
    mentions = c.get("/notifications/?filter=mentions").content.decode()
    assert "Meteor watch" in mentions and "Old reply" not in mentions and "Mark mentions read" in mentions


def test_a_bad_filter_or_page_link_is_explained(client_for: Any, member: Any) -> None:
    c = client_for(member)
    bad = c.get("/notifications/?filter=everything")
    assert bad.status_code == 400 and "Choose all, unread or mentions." in bad.content.decode()
    cursor = c.get("/notifications/?cursor=!!!")
    assert cursor.status_code == 400 and "That page link is not valid" in cursor.content.decode()


def test_the_live_refresh_and_older_pages_are_fragments(client_for: Any, member: Any, ana: Any) -> None:
    start = timezone.now() - timedelta(days=1)
    for i in range(35):
        notify(member, actor=ana, title=f"Post {i}", when=start + timedelta(minutes=i))
    c = client_for(member)
    part = c.get("/notifications/?part=list", **HX).content.decode()
    assert (
        "<html" not in part and "Post 34" in part and "Post 4<" not in part and "Older notifications" in part
    )
    page = c.get("/notifications/")
    cursor = page.content.decode().split("?cursor=")[1].split('"')[0].split("&")[0]
    more = c.get(f"/notifications/?part=more&cursor={cursor}", **HX).content.decode()
    assert "<html" not in more and "Post 4<" in more and "Post 34" not in more
    plain = c.get(f"/notifications/?cursor={cursor}").content.decode()
    assert "<html" in plain and "Post 0<" in plain


def test_the_page_needs_a_sign_in(client: Any) -> None:
    assert client.get("/notifications/").status_code == 302
    assert client.get("/settings/notifications/").status_code == 302


def test_the_badge(client: Any, client_for: Any, member: Any, ana: Any, observatory: Space) -> None:
    c = client_for(member)
    assert c.get("/notifications/count/").content.decode().strip() == ""
    notify(member, actor=ana)
    notify(member, actor=ana, space=observatory)
    assert c.get("/notifications/count/").content.decode().strip() == (
        '2<span class="visually-hidden"> unread notifications</span>'
    )
    SpaceMembership.objects.filter(space=observatory, user=member).delete()
    assert c.get("/notifications/count/").content.decode().startswith("1<")
    assert client.get("/notifications/count/").content.decode().strip() == ""
    for _ in range(120):
        notify(member, actor=ana)
    assert c.get("/notifications/count/").content.decode().startswith("99+<")


def test_the_sidebar_links_the_centre_with_a_live_badge(client_for: Any, member: Any) -> None:
    html = client_for(member).get("/notifications/").content.decode()
    assert (
        '<a href="/notifications/">Notifications <span class="unread-count" data-live="/notifications/count/" '
        'data-live-on="notifications" data-live-load data-live-hide-empty hidden></span></a>'
    ) in html


def test_opening_marks_read_and_redirects(client_for: Any, member: Any, ana: Any) -> None:
    row = notify(member, actor=ana, url="/t/7/#post-3")
    answer = client_for(member).get(f"/notifications/{row.pk}/open/")
    assert answer.status_code == 302 and answer["Location"] == "/t/7/#post-3"
    row.refresh_from_db()
    assert row.read_at is not None


def test_someone_elses_notification_is_not_found(client_for: Any, member: Any, ana: Any) -> None:
    row = notify(ana, actor=member)
    c = client_for(member)
    assert c.get(f"/notifications/{row.pk}/open/").status_code == 404
    assert c.post(f"/notifications/{row.pk}/read/").status_code == 404
    assert c.get("/notifications/999999/open/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_one_read_plain_and_htmx(client_for: Any, member: Any, ana: Any) -> None:
    first, second = notify(member, actor=ana, title="First"), notify(member, actor=ana, title="Second")
    c = client_for(member)
    plain = c.post(f"/notifications/{first.pk}/read/", {"filter": "unread"})
    assert plain.status_code == 302 and plain["Location"] == "/notifications/?filter=unread"
    htmx = c.post(f"/notifications/{second.pk}/read/", **HX)
    body = htmx.content.decode()
    assert htmx.status_code == 200 and body.strip().startswith('<li class="notification"')
    assert "Mark read" not in body
    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 0


def test_mark_all_read_plain_and_htmx(client_for: Any, member: Any, ana: Any) -> None:
    notify(member, actor=ana)
    notify(member, kind=MENTION.key, actor=ana)
    c = client_for(member)
    answer = c.post("/notifications/read/", {"filter": "mentions"})
    assert answer.status_code == 302 and answer["Location"] == "/notifications/?filter=mentions"
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    htmx = c.post("/notifications/read/", {"filter": "all"}, **HX)
    assert htmx.status_code == 200 and "Mark all read" not in htmx.content.decode()
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert c.post("/notifications/read/", {"filter": "nope"}).status_code == 400
    assert c.get("/notifications/read/").status_code == 405


# --- settings -----------------------------------------------------------------------------------------
def test_the_settings_page_shows_everything(client_for: Any, member: Any) -> None:
    member.time_zone = "Europe/Lisbon"
    member.save()
    html = client_for(member).get("/settings/notifications/").content.decode()
    for text in (
        "What you are told, and where",
        "Replies to you",
        "Mentions of you",
        "In the page",
        "Email for Replies to you",
        "Quiet hours",
        "Europe/Lisbon",
        "Pause for 1 day",
        "Pause for 1 week",
        "Pause until I resume",
        "After 10 minutes",
    ):
        assert text in html, text
    # Each kind's defaults are ticked: replies by email, reactions in the page only.
    assert f'name="{REPLY.key}:email" id="pref-{REPLY.key}-email" checked' in html
    assert f'name="{REACTION.key}:email" id="pref-{REACTION.key}-email">' in html


def test_the_account_settings_list_the_notification_settings(client_for: Any, member: Any) -> None:
    c = client_for(member)
    for path in ("/settings/", "/settings/profile/"):
        assert '<a href="/settings/notifications/"' in c.get(path).content.decode(), path
    own = c.get("/settings/notifications/").content.decode()
    assert '<a href="/settings/notifications/" aria-current="page">Notifications</a>' in own


def test_saving_choices(client_for: Any, member: Any) -> None:
    c = client_for(member)
    # Replies: page only (email off); reactions: page and push.
    data = {
        "kinds": [REPLY.key, REACTION.key],
        f"{REPLY.key}:web": "on",
        f"{REACTION.key}:web": "on",
        f"{REACTION.key}:push": "on",
    }
    answer = c.post("/settings/notifications/choices/", data)
    assert answer.status_code == 302 and answer["Location"] == "/settings/notifications/"
    assert set(Preference.objects.filter(user=member).values_list("kind", "channel", "enabled")) == {
        (REPLY.key, EMAIL, False),
        (REACTION.key, PUSH, True),
    }
    htmx = c.post("/settings/notifications/choices/", {"kinds": [REPLY.key], f"{REPLY.key}:web": "on"}, **HX)
    assert htmx.status_code == 200 and "Saved." in htmx.content.decode()
    assert "<html" not in htmx.content.decode()


def test_a_choice_for_an_unknown_kind_is_refused(client_for: Any, member: Any) -> None:
    c = client_for(member)
    plain = c.post("/settings/notifications/choices/", {"kinds": ["gone-kind"], "gone-kind:web": "on"})
    assert plain.status_code == 400 and "There is no notification kind called" in plain.content.decode()
    htmx = c.post("/settings/notifications/choices/", {"kinds": ["gone-kind"]}, **HX)
    assert htmx.status_code == 422 and 'id="choices-section"' in htmx.content.decode()
    assert not Preference.objects.exists()


def test_saving_email_settings(client_for: Any, member: Any) -> None:
    c = client_for(member)
    data = {"email_delay_minutes": "30", "digest": "daily", "quiet_from": "22:00", "quiet_until": "07:30"}
    answer = c.post("/settings/notifications/email/", data)
    assert answer.status_code == 302
    row = Settings.objects.get(user=member)
    assert (row.email_delay_minutes, row.digest, str(row.quiet_from), str(row.quiet_until)) == (
        30,
        "daily",
        "22:00:00",
        "07:30:00",
    )
    html = c.get("/settings/notifications/").content.decode()
    assert 'value="22:00"' in html and '<option value="30" selected>' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quiet_from": "22:00"}, "Give both the start and the end of your quiet hours, or neither."),
        ({"quiet_from": "22:00", "quiet_until": "22:00"}, "Quiet hours must end at a different time"),
        ({"quiet_from": "25:99", "quiet_until": "07:00"}, "Enter a valid time."),
        ({"email_delay_minutes": "9999"}, "Select a valid choice."),
        ({"digest": "hourly"}, "Select a valid choice."),
    ],
)
def test_bad_email_settings_are_explained_and_kept(
    client_for: Any, member: Any, data: dict[str, str], message: str
) -> None:
    c = client_for(member)
    full = {"email_delay_minutes": "10", "digest": "off", "quiet_from": "", "quiet_until": "", **data}
    plain = c.post("/settings/notifications/email/", full)
    assert plain.status_code == 400 and message in plain.content.decode()
    htmx = c.post("/settings/notifications/email/", full, **HX)
    assert htmx.status_code == 422 and message in htmx.content.decode()
    assert 'id="delivery-section"' in htmx.content.decode() and "<html" not in htmx.content.decode()
    assert not Settings.objects.exists()


def test_pause_and_resume_from_the_page(client_for: Any, member: Any) -> None:
    c = client_for(member)
    answer = c.post("/settings/notifications/pause/", {"pause": "week"})
    assert answer.status_code == 302
    until = Settings.objects.get(user=member).paused_until
    assert until is not None and timedelta(days=6) < until - timezone.now() <= timedelta(days=7)
    assert "Email and push are paused until" in c.get("/settings/notifications/").content.decode()
    htmx = c.post("/settings/notifications/pause/", {"pause": "forever"}, **HX)
    assert "paused until you resume them" in htmx.content.decode()
    resumed = c.post("/settings/notifications/pause/", {"resume": "1"}, **HX)
    assert "Pause for 1 day" in resumed.content.decode()
    assert Settings.objects.get(user=member).paused_until is None
    bad = c.post("/settings/notifications/pause/", {"pause": "year"})
    assert bad.status_code == 400 and "Select a valid choice." in bad.content.decode()


def test_a_banned_member_is_told_why(client_for: Any, banned: Any) -> None:
    answer = client_for(banned).post("/settings/notifications/pause/", {"pause": "day"})
    assert answer.status_code == 403
