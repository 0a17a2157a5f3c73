"""Moderators review applications; roles and sanctions (suspend, ban, restore) and their effects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.models import Membership
from townhall.core.errors import Invalid, PermissionDenied
from townhall.policy import Guardian


def membership_of(user: Any) -> Membership:
    return Membership.objects.get(user=user)


# --- applications -------------------------------------------------------------------------------
def test_moderator_sees_answers(client_for: Any, moderator: Any, pending: Any) -> None:
    Membership.objects.filter(user=pending).update(
        screening_answers=[{"question": "Why?", "answer": "Nebulae!"}]
    )
    response = client_for(moderator).get("/settings/community/applications/")
    assert b"Nebulae!" in response.content
    assert b"@pat" in response.content


def test_approve_emails_the_applicant_after_commit(
    client_for: Any, moderator: Any, pending: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/settings/community/applications/{membership_of(pending).pk}/review/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(moderator).post(url, {"decision": "approve", "note": "Clear skies!"})
    assert response.status_code == 302
    m = membership_of(pending)
    assert (m.state, m.reviewed_by, m.review_note) == (Membership.ACTIVE, moderator, "Clear skies!")
    assert m.joined_at is not None
    [message] = outbox.to("pat@example.org")
    assert "approved" in message["Subject"]
    assert "Clear skies!" in outbox.body(message)
    assert Activity.objects.filter(verb="application.approved", actor=moderator).exists()


def test_reject_emails_and_lets_them_apply_again(
    client_for: Any, moderator: Any, pending: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/settings/community/applications/{membership_of(pending).pk}/review/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(moderator).post(url, {"decision": "reject"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"application rejected" in response.content
    assert membership_of(pending).state == Membership.LEFT
    [message] = outbox.to("pat@example.org")
    assert "did not approve" in outbox.body(message)
    assert Guardian(pending).community.join.can(testing.make_community())


def test_review_twice_is_refused(client_for: Any, moderator: Any, pending: Any) -> None:
    m = membership_of(pending)
    actions.review_application(Guardian(moderator), m, approve=True)
    with pytest.raises(Invalid, match="already been reviewed"):
        actions.review_application(Guardian(moderator), m, approve=False)
    url = f"/settings/community/applications/{m.pk}/review/"
    response = client_for(moderator).post(url, {"decision": "reject"}, follow=True)
    assert b"already been reviewed" in response.content


def test_member_cannot_review(client_for: Any, member: Any, pending: Any, outbox: Any) -> None:
    url = f"/settings/community/applications/{membership_of(pending).pk}/review/"
    response = client_for(member).post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert membership_of(pending).state == Membership.PENDING
    assert len(outbox) == 0


def test_bad_decision_is_a_message(client_for: Any, moderator: Any, pending: Any) -> None:
    url = f"/settings/community/applications/{membership_of(pending).pk}/review/"
    response = client_for(moderator).post(url, {"decision": "maybe"}, follow=True)
    assert b"Choose approve or reject." in response.content


# --- roles --------------------------------------------------------------------------------------
def test_owner_makes_an_admin(client_for: Any, owner: Any, member: Any) -> None:
    response = client_for(owner).post(
        f"/settings/community/members/{membership_of(member).pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 302
    assert membership_of(member).role == Membership.ADMIN
    assert Activity.objects.filter(verb="member.role_changed").exists()


def test_admin_cannot_make_admins(client_for: Any, admin: Any, member: Any) -> None:
    response = client_for(admin).post(
        f"/settings/community/members/{membership_of(member).pk}/role/", {"role": "admin"}
    )
    assert response.status_code == 403
    assert b"You cannot give this person that role." in response.content
    assert membership_of(member).role == Membership.MEMBER


def test_nobody_becomes_owner(owner: Any, member: Any) -> None:
    with pytest.raises(Invalid):
        actions.set_member_role(Guardian(owner), membership_of(member), role="king")
    response_role = Membership.OWNER
    with pytest.raises(PermissionDenied):
        actions.set_member_role(Guardian(owner), membership_of(member), role=response_role)


def test_moderator_cannot_set_roles(client_for: Any, moderator: Any, member: Any) -> None:
    url = f"/settings/community/members/{membership_of(member).pk}/role/"
    assert client_for(moderator).post(url, {"role": "moderator"}).status_code == 403


# --- sanctions ----------------------------------------------------------------------------------
def test_suspend_until_emails_and_limits(
    client_for: Any, moderator: Any, member: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    until = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    url = f"/settings/community/members/{membership_of(member).pk}/suspend/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(moderator).post(url, {"until": until, "reason": "Spam"})
    assert response.status_code == 302
    m = membership_of(member)
    assert m.state == Membership.SUSPENDED
    assert m.suspended_until is not None
    [message] = outbox.to("max@example.org")
    assert "suspended" in message["Subject"]
    assert "Spam" in outbox.body(message)


def test_suspended_member_reads_but_cannot_change(client_for: Any, suspended: Any, community: Any) -> None:
    c = client_for(suspended)
    assert c.get("/members/").status_code == 200
    assert c.get("/api/v1/members").status_code == 200
    home = c.get("/home/")
    assert b"Your membership is suspended" in home.content
    assert c.post("/settings/community/invitations/", {"expires_in_days": "7"}).status_code == 403
    with pytest.raises(PermissionDenied):
        actions.write_introduction(Guardian(suspended), text="Hi")


def test_suspension_with_an_end_lifts_itself(suspended: Any) -> None:
    Membership.objects.filter(user=suspended).update(suspended_until=timezone.now() - timedelta(minutes=1))
    assert Guardian(suspended).is_member


def test_suspend_in_the_past_is_refused(moderator: Any, member: Any) -> None:
    with pytest.raises(Invalid, match="in the future"):
        actions.suspend_member(
            Guardian(moderator), membership_of(member), until=timezone.now() - timedelta(days=1)
        )


def test_ban_emails_and_makes_an_outsider(
    client_for: Any, admin: Any, moderator: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/settings/community/members/{membership_of(moderator).pk}/ban/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(url, {"reason": "Harassment"})
    assert response.status_code == 302
    assert membership_of(moderator).state == Membership.BANNED
    [message] = outbox.to("mona@example.org")
    assert "banned" in message["Subject"]
    c = client_for(moderator)
    assert c.get("/members/").status_code == 404
    assert c.get("/settings/community/applications/").status_code == 403


def test_moderator_cannot_sanction_a_moderator(client_for: Any, moderator: Any) -> None:
    other = testing.make_member("mo2", role=Membership.MODERATOR)
    url = f"/settings/community/members/{membership_of(other).pk}/ban/"
    response = client_for(moderator).post(url, {})
    assert response.status_code == 403
    assert b"You cannot change this person" in response.content


def test_restore_after_ban(
    client_for: Any, moderator: Any, banned: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/settings/community/members/{membership_of(banned).pk}/restore/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(moderator).post(url)
    assert response.status_code == 302
    assert membership_of(banned).state == Membership.ACTIVE
    assert "active again" in outbox.to("bo@example.org")[0]["Subject"]


def test_restore_an_active_member_is_a_message(client_for: Any, moderator: Any, member: Any) -> None:
    url = f"/settings/community/members/{membership_of(member).pk}/restore/"
    response = client_for(moderator).post(url, follow=True)
    assert b"neither suspended nor banned" in response.content


def test_unknown_member_op_is_404(client_for: Any, moderator: Any, member: Any) -> None:
    url = f"/settings/community/members/{membership_of(member).pk}/explode/"
    assert client_for(moderator).post(url).status_code == 404


def test_members_page_lists_states(client_for: Any, moderator: Any, suspended: Any, banned: Any) -> None:
    response = client_for(moderator).get("/settings/community/members/?state=banned")
    assert b"@bo" in response.content
    assert b"@sam" not in response.content


def test_rejected_applicant_sees_the_note_and_may_reapply(
    client_for: Any, moderator: Any, pending: Any
) -> None:
    actions.review_application(
        Guardian(moderator), membership_of(pending), approve=False, note="Tell us more"
    )
    response = client_for(pending).get("/welcome/")
    assert b"Your previous application was not approved" in response.content
    assert b"Tell us more" in response.content
    assert b'action="/join/"' in response.content
