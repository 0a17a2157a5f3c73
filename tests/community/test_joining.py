"""Joining: open, by approval (screening answers), invitation only; pending, banned, left."""

from __future__ import annotations

from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.models import Community, Membership
from townhall.core.errors import Invalid, PermissionDenied
from townhall.policy import Guardian

QUESTIONS = ["What do you photograph?", "Which telescope do you use?"]


def set_policy(community: Community, policy: str, questions: list[str] | None = None) -> None:
    community.join_policy = policy
    community.screening_questions = questions or []
    community.save()


# --- open ---------------------------------------------------------------------------------------
def test_open_join_by_view_makes_an_active_member(
    client_for: Any, outsider: Any, community: Community
) -> None:
    response = client_for(outsider).post("/join/", follow=True)
    assert response.redirect_chain[-1][0] == "/welcome/"
    membership = Membership.objects.get(user=outsider)
    assert (membership.state, membership.role) == (Membership.ACTIVE, Membership.MEMBER)
    assert membership.joined_at is not None
    assert Activity.objects.filter(verb="community.joined", actor=outsider).exists()
    assert b"Step 1 of 4" in response.content


def test_open_join_by_api(client_for: Any, outsider: Any, community: Community) -> None:
    response = client_for(outsider).post("/api/v1/community/join", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "active"
    assert response.json()["onboarded"] is False


def test_welcome_offers_one_button_when_open(client_for: Any, outsider: Any, community: Community) -> None:
    response = client_for(outsider).get("/welcome/")
    assert response.status_code == 200
    assert b'action="/join/"' in response.content


def test_api_join_needs_a_signed_in_caller(client: Any, community: Community) -> None:
    response = client.post("/api/v1/community/join", {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["message"]


def test_member_cannot_join_twice(client_for: Any, member: Any) -> None:
    response = client_for(member).post("/join/")
    assert response.status_code == 403
    assert b"You are already a member." in response.content
    api = client_for(member).post("/api/v1/community/join", {}, content_type="application/json")
    assert api.status_code == 403
    assert api.json() == {"message": "You are already a member.", "errors": {}}


def test_left_member_can_rejoin(client_for: Any, community: Community) -> None:
    person = testing.make_member("lea", state=Membership.LEFT)
    client_for(person).post("/join/")
    assert Membership.objects.get(user=person).state == Membership.ACTIVE


# --- approval -----------------------------------------------------------------------------------
def test_application_with_answers_is_pending(client_for: Any, outsider: Any, community: Community) -> None:
    set_policy(community, Community.APPROVAL, QUESTIONS)
    page = client_for(outsider).get("/welcome/")
    assert QUESTIONS[0].encode() in page.content
    response = client_for(outsider).post(
        "/join/", {"answer_0": "Galaxies", "answer_1": "An 8-inch Dobsonian"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider)
    assert membership.state == Membership.PENDING
    assert membership.screening_answers == [
        {"question": QUESTIONS[0], "answer": "Galaxies"},
        {"question": QUESTIONS[1], "answer": "An 8-inch Dobsonian"},
    ]
    assert Activity.objects.filter(verb="community.applied").exists()


def test_application_needs_every_answer_view(client_for: Any, outsider: Any, community: Community) -> None:
    set_policy(community, Community.APPROVAL, QUESTIONS)
    response = client_for(outsider).post("/join/", {"answer_0": "Galaxies", "answer_1": "  "})
    assert response.status_code == 400
    assert b"Please answer this question." in response.content
    assert not Membership.objects.filter(user=outsider).exists()


def test_application_needs_every_answer_api(client_for: Any, outsider: Any, community: Community) -> None:
    set_policy(community, Community.APPROVAL, QUESTIONS)
    c = client_for(outsider)
    response = c.post("/api/v1/community/join", {"answers": ["Galaxies"]}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Please answer every screening question."
    assert body["errors"] == {"answer_1": ["Please answer this question."]}
    ok = c.post("/api/v1/community/join", {"answers": ["Galaxies", "A Dob"]}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["state"] == "pending"


def test_pending_person_sees_waiting_page(client_for: Any, pending: Any) -> None:
    response = client_for(pending).get("/welcome/")
    assert response.status_code == 200
    assert b"Waiting for review" in response.content
    assert client_for(pending).get("/home/")["Location"] == "/welcome/"
    again = client_for(pending).post("/join/")
    assert again.status_code == 403
    assert b"waiting for a moderator" in again.content


def test_pending_person_is_an_outsider(pending: Any) -> None:
    guardian = Guardian(pending)
    assert not guardian.community.view_directory.can()
    assert not guardian.can_read_as_member


# --- invitation only ----------------------------------------------------------------------------
def test_invite_only_refuses_with_a_reason(client_for: Any, outsider: Any, community: Community) -> None:
    set_policy(community, Community.INVITE)
    page = client_for(outsider).get("/welcome/")
    assert b"invitation only" in page.content
    response = client_for(outsider).post("/join/")
    assert response.status_code == 403
    assert b"invitation only" in response.content
    api = client_for(outsider).post("/api/v1/community/join", {}, content_type="application/json")
    assert api.status_code == 403
    assert "invitation only" in api.json()["message"]


# --- banned -------------------------------------------------------------------------------------
def test_banned_cannot_rejoin(client_for: Any, banned: Any) -> None:
    response = client_for(banned).post("/join/")
    assert response.status_code == 403
    assert b"banned" in response.content
    assert client_for(banned).get("/welcome/").status_code == 403
    with pytest.raises(PermissionDenied):
        actions.join_community(Guardian(banned), Community.objects.get())
    api = client_for(banned).post("/api/v1/community/join", {}, content_type="application/json")
    assert api.status_code == 403


# --- leaving ------------------------------------------------------------------------------------
def test_leave_community_removes_spaces_and_groups(client_for: Any, member: Any) -> None:
    space = testing.make_space("Deep sky", members=[member])
    testing.make_group("Mentors", [member])
    response = client_for(member).post("/leave/")
    assert response.status_code == 302
    membership = Membership.objects.get(user=member)
    assert membership.state == Membership.LEFT
    assert not member.space_memberships.exists()
    assert not member.member_groups.exists()
    space.refresh_from_db()
    assert space.member_count == 0
    assert client_for(member).get("/members/").status_code == 404


def test_owner_cannot_leave(client_for: Any, owner: Any) -> None:
    response = client_for(owner).post("/leave/")
    assert response.status_code == 403
    assert b"The owner cannot leave" in response.content


def test_join_raced_rows_are_refused(outsider: Any, community: Community) -> None:
    guardian = Guardian(outsider)
    assert guardian.state is None
    Membership.objects.create(user=outsider, state=Membership.PENDING)
    with pytest.raises(Invalid):
        actions.join_community(guardian, community)


def test_moderators_hear_about_new_applications(
    client_for: Any,
    outsider: Any,
    moderator: Any,
    owner: Any,
    member: Any,
    community: Community,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    set_policy(community, Community.APPROVAL, QUESTIONS)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(outsider).post("/join/", {"answer_0": "Galaxies", "answer_1": "A Dob"})
    [message] = outbox.to("mona@example.org")
    assert outbox.to("olivia@example.org") == [message]
    assert not outbox.to("max@example.org")
    assert "@otto" in message["Subject"]
    assert "Galaxies" in outbox.body(message)
    assert "/settings/community/applications/" in outbox.body(message)


def test_open_joins_send_no_application_email(
    client_for: Any, outsider: Any, moderator: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(outsider).post("/join/")
    assert len(outbox) == 0
