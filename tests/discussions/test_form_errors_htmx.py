"""Form errors over htmx (issue 12, defect 2): every form that posts with htmx gets refused input back as
its own partial with status 422 — the error beside the field, the typed text kept — which townhall.js
swaps in place (HX-Retarget/HX-Reswap when the form's own target is elsewhere). A plain POST gets the
whole page with the same errors. One test per htmx form; the last test finds every `hx-post` in the
templates and in render.py and fails when a new one has no test here."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

import factories as testing
from townhall.community.models import Community, Membership
from townhall.discussions.models import BODY_MAX, Draft, Post, Topic, TopicFollow
from townhall.spaces.models import Space, SpaceMembership

from .conftest import reply, start_topic

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
SRC = Path(__file__).resolve().parents[2] / "src" / "townhall"
WHITESPACE = "   \n\t  \n "
OVERSIZED = "Clear skies tonight. " * 1600  # 33,600 characters: over BODY_MAX


@pytest.fixture
def lea(community: Any, space: Space) -> Any:
    user = testing.make_member("lea", display_name="Lea Learner")
    SpaceMembership.objects.create(space=space, user=user)
    return user


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def assert_swapped_in_place(response: Any, starts_with: str) -> str:
    """422, only the form's partial (no page around it), put back where the form was."""
    assert response.status_code == 422, response.status_code
    body = response.content.decode()
    assert "<html" not in body and "<main" not in body
    assert body.lstrip().startswith(starts_with), body[:200]
    assert response["HX-Retarget"] == "this" and response["HX-Reswap"] == "outerHTML"
    return html.unescape(body)


def textarea(body: str, field_id: str) -> str:
    """The text inside one textarea of a page or partial."""
    found = re.search(rf'<textarea[^>]* id="{re.escape(field_id)}"[^>]*>(.*?)</textarea>', body, re.S)
    assert found, f"no textarea #{field_id}"
    text = html.unescape(found.group(1))
    return text.removeprefix("\n")  # as a browser reads it: a newline right after the tag is not content


def invalid_field(body: str, field_id: str) -> None:
    """The field says it is invalid and points at its error message, which sits beside it."""
    tag = re.search(rf'<(?:textarea|input|select)[^>]* id="{re.escape(field_id)}"[^>]*>', body)
    assert tag and 'aria-invalid="true"' in tag.group(0), field_id
    described = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
    assert described, field_id
    error_id = next(i for i in described.group(1).split() if i.endswith("error"))
    assert f'id="{error_id}"' in body


# --- the topic page's reply box and the inline reply form ------------------------------------------
@pytest.mark.parametrize(
    ("sent", "error"),
    [(WHITESPACE, "Write something first."), (OVERSIZED, f"Keep posts under {BODY_MAX:,} characters")],
    ids=["whitespace", "oversized"],
)
def test_reply_box_errors_come_back_in_place(
    client_for: Any, member: Any, lea: Any, space: Space, sent: str, error: str
) -> None:
    topic = start_topic(member, space)
    url = reverse("discussions:topic-reply", args=[topic.pk])
    response = client_for(lea).post(url, {"body": sent}, **HX)
    body = assert_swapped_in_place(response, '<form method="post" action="' + url + '" id="reply-form"')
    assert error in body
    assert textarea(body, "id_body") == sent  # the text is kept, exactly as typed
    invalid_field(response.content.decode(), "id_body")
    assert "hx-swap-oob" not in body and Post.objects.filter(topic=topic).count() == 1

    plain = client_for(lea).post(url, {"body": sent})  # without JavaScript: the whole page, same errors
    assert plain.status_code == 400 and "<html" in plain.content.decode()
    assert error in text_of(plain) and textarea(plain.content.decode(), "reply-body-topic") == sent


def test_inline_reply_errors_come_back_in_place(client_for: Any, member: Any, lea: Any, space: Space) -> None:
    topic = start_topic(member, space)
    first = reply(member, topic, "first")
    url = reverse("discussions:topic-reply", args=[topic.pk])
    response = client_for(lea).post(url, {"body": OVERSIZED, "reply_to": first.pk, "inline": "1"}, **HX)
    body = assert_swapped_in_place(
        response, '<form method="post" action="' + url + '" class="stack reply-inline"'
    )
    assert "Keep posts under" in body and textarea(body, f"reply-body-{first.pk}") == OVERSIZED
    assert f'name="reply_to" value="{first.pk}"' in body
    invalid_field(response.content.decode(), f"reply-body-{first.pk}")


def test_a_refused_attachment_is_named_beside_the_file_field(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    topic = start_topic(member, space)
    bad = SimpleUploadedFile("photo.png", b"MZ\x00\x00not an image", content_type="image/png")
    url = reverse("discussions:topic-reply", args=[topic.pk])
    response = client_for(lea).post(url, {"body": "Look at this", "attachment": bad}, **HX)
    body = assert_swapped_in_place(response, '<form method="post" action="' + url + '" id="reply-form"')
    assert textarea(body, "id_body") == "Look at this"
    invalid_field(response.content.decode(), "id_attachment")
    assert "This type of file is not allowed" in body


# --- new topic, edit, move -------------------------------------------------------------------------
def test_new_topic_errors_come_back_in_place(client_for: Any, member: Any, space: Space) -> None:
    url = reverse("discussions:topic-create", args=[space.slug])
    sent = {"title": "   ", "kind": "discussion", "body": "My first light with a 200mm lens."}
    response = client_for(member).post(url, sent, **HX)
    body = assert_swapped_in_place(response, '<form method="post" action="' + url + '" id="topic-form"')
    assert "Give your topic a title." in body and textarea(body, "id_body") == sent["body"]
    invalid_field(response.content.decode(), "id_title")
    oversized = client_for(member).post(url, {**sent, "title": "Lens", "body": OVERSIZED}, **HX)
    assert "Keep posts under" in text_of(oversized) and textarea(text_of(oversized), "id_body") == OVERSIZED
    assert not Topic.objects.exists()
    done = client_for(member).post(url, {**sent, "title": "First light"}, **HX)
    topic = Topic.objects.get()
    assert done.status_code == 204 and done["HX-Redirect"] == topic.get_absolute_url()


def test_edit_errors_come_back_in_place(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    mine = reply(member, topic, "original words")
    url = reverse("discussions:post-edit", args=[mine.pk])
    response = client_for(member).post(url, {"body": WHITESPACE}, **HX)
    body = assert_swapped_in_place(response, '<form method="post" action="' + url + '" id="edit-form"')
    assert "Write something first." in body and textarea(body, "id_body") == WHITESPACE
    invalid_field(response.content.decode(), "id_body")
    saved = client_for(member).post(url, {"body": "better words"}, **HX)
    assert saved.status_code == 204 and saved["HX-Redirect"] == reverse("discussions:post", args=[mine.pk])


def test_move_errors_come_back_in_place(client_for: Any, member: Any, moderator: Any, space: Space) -> None:
    testing.make_space("Elsewhere")
    topic = start_topic(member, space)
    url = reverse("discussions:topic-move", args=[topic.pk])
    response = client_for(moderator).post(url, {"space": "no-such-space"}, **HX)
    body = assert_swapped_in_place(response, '<form method="post" action="' + url + '" id="move-form"')
    assert "Select a valid choice" in body
    invalid_field(response.content.decode(), "id_space")


# --- drafts, follow levels, uploads: their partial is their target -------------------------------------
def test_drafts_that_cannot_be_kept_say_why_in_the_status_line(
    client_for: Any, member: Any, lea: Any, space: Space
) -> None:
    topic = start_topic(member, space)
    c = client_for(lea)
    for url, data in [
        (reverse("discussions:topic-draft", args=[topic.pk]), {"body": "x" * (BODY_MAX + 1)}),
        (reverse("discussions:space-draft", args=[space.slug]), {"title": "t", "body": "x" * (BODY_MAX + 1)}),
    ]:
        response = c.post(url, data, **HX)
        assert response.status_code == 422 and "HX-Retarget" not in response  # into #draft-status
        assert response.content.decode().startswith("Draft not saved: Keep posts under 32,000 characters")
    assert not Draft.objects.exists()


def test_follow_level_errors_stay_in_the_follow_form(client_for: Any, member: Any, space: Space) -> None:
    topic = start_topic(member, space)
    c = client_for(member)
    for url, form_id in [
        (reverse("discussions:topic-follow", args=[topic.pk]), "topic-follow"),
        (reverse("discussions:space-follow", args=[space.slug]), "space-follow"),
    ]:
        response = c.post(url, {"level": "loud"}, **HX)
        assert response.status_code == 422 and "HX-Retarget" not in response
        body = text_of(response)
        assert f'id="{form_id}"' in body and 'role="alert"' in body and "<html" not in body
    assert TopicFollow.objects.filter(topic=topic, level="loud").count() == 0


def test_upload_errors_stay_in_the_result_box(client_for: Any, member: Any, space: Space) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("discussions:upload-create", args=[space.slug])
    response = client_for(member).post(url, {"file": SimpleUploadedFile("x.bin", b"\x00\x00")}, **HX)
    assert (
        response.status_code == 422
        and "not allowed" in text_of(response)
        and "<html" not in text_of(response)
    )
    assert "HX-Retarget" not in response  # the result box is the form's own target


# --- other apps' htmx forms ---------------------------------------------------------------------------
def test_a_join_request_message_that_is_too_long_comes_back(client_for: Any, member: Any) -> None:
    testing.make_space("Inner", visibility=Space.PRIVATE)
    message = "Please let me in, I bring a 14-inch Dobsonian and good coffee. " * 10  # over 500
    url = reverse("spaces:join", args=["inner"])
    response = client_for(member).post(url, {"message": message}, **HX)
    assert response.status_code == 422 and "HX-Retarget" not in response  # the membership box is the target
    body = text_of(response)
    assert (
        body.lstrip().startswith('<div class="membership row"')
        and textarea(body, f"join-message-{Space.objects.get().pk}") == message
    )
    assert "at most 500 characters" in body
    plain = client_for(member).post(url, {"message": message})
    assert plain.status_code == 400 and "<html" in plain.content.decode() and message in text_of(plain)
    assert not SpaceMembership.objects.filter(user=member, space__slug="inner").exists()


def test_an_application_note_that_is_too_long_comes_back(client_for: Any, moderator: Any) -> None:
    applicant = testing.make_member("pat", state=Membership.PENDING, onboarded=False)
    pending = Membership.objects.get(user=applicant)
    note = "Welcome aboard! " * 40  # over 500
    url = reverse("community:application-review", args=[pending.pk])
    response = client_for(moderator).post(url, {"decision": "approve", "note": note}, **HX)
    assert response.status_code == 422 and "HX-Retarget" not in response  # the card is the target
    body = text_of(response)
    assert body.lstrip().startswith(f'<li class="card" id="application-{pending.pk}"')
    assert f'value="{note}"' in body and "at most 500 characters" in body
    invalid_field(response.content.decode(), f"note-{pending.pk}")
    plain = client_for(moderator).post(url, {"decision": "approve", "note": note})
    assert plain.status_code == 400 and "at most 500 characters" in text_of(plain)
    pending.refresh_from_db()
    assert pending.state == Membership.PENDING


def test_the_profile_form_answers_422_with_itself(client_for: Any, member: Any) -> None:
    """The profile settings form (accounts) already answers this way; the client now swaps it in."""
    response = client_for(member).post(
        reverse("accounts:profile-edit"), {"username": "", "display_name": "Max"}, **HX
    )
    assert response.status_code == 422 and response.content.decode().lstrip().startswith(
        '<form id="profile-form"'
    )


# --- every htmx form has its test ------------------------------------------------------------------------
# URL name of each hx-post target -> the test above that covers it (or why none is needed).
COVERED = {
    "discussions:topic-reply": "test_reply_box_errors_come_back_in_place, test_inline_reply_errors_come_back_in_place",
    "discussions:topic-draft": "test_drafts_that_cannot_be_kept_say_why_in_the_status_line",
    "discussions:space-draft": "test_drafts_that_cannot_be_kept_say_why_in_the_status_line",
    "discussions:topic-create": "test_new_topic_errors_come_back_in_place",
    "discussions:post-edit": "test_edit_errors_come_back_in_place",
    "discussions:topic-move": "test_move_errors_come_back_in_place",
    "discussions:topic-follow": "test_follow_level_errors_stay_in_the_follow_form",
    "discussions:space-follow": "test_follow_level_errors_stay_in_the_follow_form",
    "discussions:upload-create": "test_upload_errors_stay_in_the_result_box",
    "discussions:post-react": "buttons only (an emoji outside the set is a 400 page: tampered input)",
    "spaces:join": "test_a_join_request_message_that_is_too_long_comes_back",
    "spaces:leave": "a button only",
    "spaces:invite": "tests/spaces/test_space_views.py::test_invite_errors_show_on_the_form",
    "spaces:approve": "a button only",
    "spaces:deny": "a button only",
    "spaces:set-moderator": "a button only",
    "community:application-review": "test_an_application_note_that_is_too_long_comes_back",
    "community:invitation-revoke": "a button only (it asks first: tests/discussions/test_confirm_and_undo.py)",
    "accounts:profile-edit": "test_the_profile_form_answers_422_with_itself",
    "chat:send": "tests/chat/test_chat_views.py::test_refused_text_comes_back_beside_the_field",
    "chat:edit": "tests/chat/test_chat_views.py::test_edit_delete_and_restore_from_the_page",
    "chat:delete": "a button only (tests/chat/test_chat_views.py::test_edit_delete_and_restore_from_the_page)",
    "chat:restore": "a button only (tests/chat/test_chat_views.py::test_edit_delete_and_restore_from_the_page)",
    "chat:pin": "a button only (tests/chat/test_chat_views.py::test_pin_and_unpin_from_the_page)",
    "chat:unpin": "a button only (tests/chat/test_chat_views.py::test_pin_and_unpin_from_the_page)",
    "chat:topic": "tests/chat/test_chat_views.py::test_moderators_set_the_topic_with_errors_beside_the_field",
    "chat:thread-reply": "tests/chat/test_chat_thread_views.py::test_refused_replies_come_back_beside_the_field",
    "chat:thread-follow": "a button only (tests/chat/test_chat_thread_views.py::test_follow_and_unfollow_from_the_page)",
    "chat:thread-unfollow": "a button only (tests/chat/test_chat_thread_views.py::test_follow_and_unfollow_from_the_page)",
    "chat:thread-promote": "tests/chat/test_chat_promote.py::test_the_promote_page_offers_spaces_and_moves_the_thread",
    "chat:react": "buttons only (tests/chat/test_chat_reactions.py::test_page_refusals_answer_like_every_action)",
    "notifications:choices": "tests/notifications/test_centre_views.py::test_a_choice_for_an_unknown_kind_is_refused",
    "notifications:delivery": "tests/notifications/test_centre_views.py::test_bad_email_settings_are_explained_and_kept",
    "notifications:pause": "buttons only (tests/notifications/test_centre_views.py::test_pause_and_resume_from_the_page)",
    "notifications:read": "a button only (tests/notifications/test_centre_views.py::test_mark_one_read_plain_and_htmx)",
    "notifications:read-all": "a button only (tests/notifications/test_centre_views.py::test_mark_all_read_plain_and_htmx)",
    "events:rsvp": "tests/events/test_event_page.py::test_rsvp_over_htmx_returns_the_attend_box",
    "events:calendar-reminders": "tests/events/test_feeds.py::test_the_settings_page_shows_the_feed_and_saves_reminders",
    "events:calendar-feed-reset": "a button only (tests/events/test_feeds.py::test_resetting_the_feed_makes_the_old_url_404)",
    "events:door-check-in": "a button only (tests/events/test_door.py::test_a_refused_tap_says_why_in_the_row)",
    "events:door-undo": "a button only (tests/events/test_door.py::test_tapping_check_in_swaps_the_row_and_the_counts)",
}


def _htmx_targets() -> set[str]:
    """The URL names every hx-post in the templates points at, plus the shared reaction bar's forms
    (content/reactions.py), given their URL by render.py and by `{% reaction_bar url_name=... %}`."""
    names: set[str] = set()
    for path in SRC.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r"""hx-post="\{% url '([\w:-]+)'""", text))
        names |= set(re.findall(r'\{% reaction_bar [^%]*url_name="([\w:-]+)"', text))
    render = (SRC / "discussions" / "render.py").read_text(encoding="utf-8")
    names |= set(re.findall(r'url = self\._url\("([\w:-]+)", pk\) if self\._can\("react"', render))
    assert "hx-post=" not in render, "render.py builds its own htmx forms: scan them here"
    bar = (SRC / "content" / "reactions.py").read_text(encoding="utf-8")
    assert bar.count("hx-post=") == 1, "the reaction bar posts elsewhere too"
    return names


def test_every_htmx_form_is_covered() -> None:
    found = _htmx_targets()
    assert found, "no hx-post found: the scan is broken"
    assert {"discussions:post-react", "chat:react"} <= found, "the reaction bars' scan is broken"
    missing = found - set(COVERED)
    assert not missing, f"htmx forms without a test of their errors here: {sorted(missing)}"


def test_join_and_invite_pages_load(client_for: Any, member: Any, community: Community) -> None:
    """The pages behind the forms above still render for their people."""
    testing.make_space("Inner", visibility=Space.PRIVATE)
    assert client_for(member).get(reverse("spaces:detail", args=["inner"])).status_code == 200
