"""Invitations: links and emails, expiry, use limits, wrong email, revocation, group and space."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.activity.models import Activity
from townhall.community import actions
from townhall.community.models import Community, GroupMember, Invitation, Membership
from townhall.core.errors import Invalid
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership


def make_invitation(by: Any, **fields: Any) -> Invitation:
    fields.setdefault("token", f"tok-{Invitation.objects.count() + 1}")
    return Invitation.objects.create(created_by=by, **fields)


# --- creating -----------------------------------------------------------------------------------
def test_create_link_by_view(client_for: Any, moderator: Any) -> None:
    response = client_for(moderator).post(
        "/settings/community/invitations/", {"expires_in_days": "7", "max_uses": "3", "note": "Welcome!"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == ""
    assert invitation.max_uses == 3
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    assert Activity.objects.filter(verb="invitation.created").exists()
    page = client_for(moderator).get("/settings/community/invitations/")
    assert f"/invite/{invitation.token}/".encode() in page.content


def test_email_invitation_is_sent_after_commit(
    client_for: Any, moderator: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(moderator).post(
            "/settings/community/invitations/", {"email": "Friend@Example.org", "expires_in_days": "30"}
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.max_uses) == ("friend@example.org", 1)
    [message] = outbox.to("friend@example.org")
    assert "Mona Moderator invites you to join Night Sky Collective" in message["Subject"]
    assert f"/invite/{invitation.token}/" in outbox.body(message)


def test_email_is_not_sent_before_commit(moderator: Any, outbox: Any, community: Community) -> None:
    actions.create_invitation(Guardian(moderator), community, email="friend@example.org")
    assert len(outbox) == 0  # the test transaction never commits


def test_create_invitation_bad_input(client_for: Any, moderator: Any, member: Any) -> None:
    c = client_for(moderator)
    response = c.post(
        "/settings/community/invitations/", {"email": "max@example.org", "expires_in_days": "7"}
    )
    assert response.status_code == 400
    assert b"This person is already a member." in response.content
    response = c.post("/settings/community/invitations/", {"max_uses": "0", "expires_in_days": "7"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    with pytest.raises(Invalid, match="between 1 and 90"):
        actions.create_invitation(Guardian(moderator), Community.objects.get(), expires_in_days=365)


def test_members_may_invite_only_to_open_communities(
    client_for: Any, member: Any, community: Community
) -> None:
    assert client_for(member).get("/settings/community/invitations/").status_code == 200
    community.join_policy = Community.INVITE
    community.save()
    response = client_for(member).post("/settings/community/invitations/", {"expires_in_days": "7"})
    assert response.status_code == 403
    assert b"Only moderators can invite" in response.content


# --- the invitation page ------------------------------------------------------------------------
def test_anonymous_sees_identity_and_signup_links(client: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator, note="Come look at Saturn")
    response = client.get(f"/invite/{invitation.token}/")
    assert response.status_code == 200
    assert b"Night Sky Collective" in response.content
    assert b"Come look at Saturn" in response.content
    assert f"/accounts/signup/?next=/invite/{invitation.token}/".encode() in response.content
    assert f"/accounts/login/?next=/invite/{invitation.token}/".encode() in response.content


def test_unknown_token_is_404(client: Any, community: Community) -> None:
    assert client.get("/invite/nope/").status_code == 404


# --- accepting ----------------------------------------------------------------------------------
def test_accept_by_view_adds_group_and_space(client_for: Any, outsider: Any, moderator: Any) -> None:
    group = testing.make_group("Cohort 3")
    space = testing.make_space("Mentoring", visibility=Space.SECRET)
    invitation = make_invitation(moderator, group=group, space=space, max_uses=2)
    response = client_for(outsider).post(f"/invite/{invitation.token}/")
    assert response.status_code == 302
    assert response["Location"] == "/welcome/"
    membership = Membership.objects.get(user=outsider)
    assert membership.state == Membership.ACTIVE
    assert membership.invitation == invitation
    assert GroupMember.objects.filter(group=group, user=outsider).exists()
    assert SpaceMembership.objects.get(space=space, user=outsider).state == SpaceMembership.ACTIVE
    space.refresh_from_db()
    assert space.member_count == 1
    invitation.refresh_from_db()
    assert invitation.uses == 1


def test_accept_by_api(client_for: Any, outsider: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator)
    response = client_for(outsider).post(f"/api/v1/invitations/{invitation.token}/accept")
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    missing = client_for(testing.make_user("newbie")).post("/api/v1/invitations/nope/accept")
    assert missing.status_code == 404


def test_invitation_lets_a_pending_applicant_in(client_for: Any, pending: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator)
    client_for(pending).post(f"/invite/{invitation.token}/")
    assert Membership.objects.get(user=pending).state == Membership.ACTIVE


def test_invite_only_community_accepts_invitations(client_for: Any, outsider: Any, moderator: Any) -> None:
    Community.objects.filter(pk=1).update(join_policy=Community.INVITE)
    invitation = make_invitation(moderator)
    client_for(outsider).post(f"/invite/{invitation.token}/")
    assert Membership.objects.get(user=outsider).state == Membership.ACTIVE


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expires_at": "past"}, "This invitation has expired."),
        ({"max_uses": 1, "uses": 1}, "already been used as many times as allowed"),
        ({"revoked_at": "now"}, "This invitation has been revoked."),
        (
            {"email": "someone-else@example.org", "max_uses": 1},
            "This invitation was sent to someone-else@example.org",
        ),
    ],
)
def test_unusable_invitations_explain_why(
    client_for: Any, outsider: Any, moderator: Any, fields: dict[str, Any], message: str
) -> None:
    if fields.get("expires_at") == "past":
        fields["expires_at"] = timezone.now() - timedelta(minutes=1)
    if fields.get("revoked_at") == "now":
        fields["revoked_at"] = timezone.now()
    invitation = make_invitation(moderator, **fields)
    c = client_for(outsider)
    page = c.get(f"/invite/{invitation.token}/")
    assert page.status_code == 410
    assert message.encode() in page.content
    response = c.post(f"/invite/{invitation.token}/", follow=True)
    assert message.encode() in response.content
    api = c.post(f"/api/v1/invitations/{invitation.token}/accept")
    assert api.status_code == 422
    assert message in api.json()["message"]
    assert not Membership.objects.filter(user=outsider).exists()


def test_email_invitation_for_the_right_address(client_for: Any, outsider: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator, email="OTTO@example.org", max_uses=1)
    client_for(outsider).post(f"/invite/{invitation.token}/")
    assert Membership.objects.get(user=outsider).state == Membership.ACTIVE


def test_use_limit_holds_across_people(client_for: Any, moderator: Any, community: Community) -> None:
    invitation = make_invitation(moderator, max_uses=2)
    people = [testing.make_user(f"guest{i}") for i in range(3)]
    for person in people[:2]:
        actions.accept_invitation(Guardian(person), invitation.token)
    with pytest.raises(Invalid, match="as many times as allowed"):
        actions.accept_invitation(Guardian(people[2]), invitation.token)
    invitation.refresh_from_db()
    assert invitation.uses == 2


def test_banned_cannot_use_an_invitation(client_for: Any, banned: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator)
    response = client_for(banned).post(f"/invite/{invitation.token}/")
    assert response.status_code == 403
    assert Membership.objects.get(user=banned).state == Membership.BANNED


def test_anonymous_post_goes_to_login(client: Any, moderator: Any) -> None:
    invitation = make_invitation(moderator)
    response = client.post(f"/invite/{invitation.token}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/invite/")


# --- revoking -----------------------------------------------------------------------------------
def test_revoke_by_view_plain_and_htmx(client_for: Any, moderator: Any, admin: Any) -> None:
    first, second = make_invitation(admin), make_invitation(admin)
    asked = client_for(moderator).post(f"/settings/community/invitations/{first.pk}/revoke/")
    assert asked.status_code == 200 and b"Revoke this invitation?" in asked.content
    first.refresh_from_db()
    assert first.revoked_at is None
    response = client_for(moderator).post(
        f"/settings/community/invitations/{first.pk}/revoke/", {"confirm": "yes"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.revoked_at is not None
    partial = client_for(moderator).post(
        f"/settings/community/invitations/{second.pk}/revoke/",
        {"confirm": "yes"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200
    assert b"Revoked" in partial.content
    assert b"<html" not in partial.content


def test_member_revokes_only_their_own(client_for: Any, member: Any, moderator: Any) -> None:
    theirs = make_invitation(moderator)
    mine = make_invitation(member)
    yes = {"confirm": "yes"}
    assert (
        client_for(member).post(f"/settings/community/invitations/{theirs.pk}/revoke/", yes).status_code
        == 404
    )
    assert client_for(member).get(f"/settings/community/invitations/{theirs.pk}/revoke/").status_code == 404
    assert (
        client_for(member).post(f"/settings/community/invitations/{mine.pk}/revoke/", yes).status_code == 302
    )
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoked_email_invitation_is_not_sent(moderator: Any, outbox: Any, community: Community) -> None:
    from townhall.community.tasks import send_invitation_email

    invitation = actions.create_invitation(Guardian(moderator), community, email="friend@example.org")
    actions.revoke_invitation(Guardian(moderator), invitation)
    send_invitation_email.enqueue(invitation.pk)
    send_invitation_email.enqueue(999999)
    assert len(outbox) == 0


def test_admin_invites_into_a_private_space_by_view(client_for: Any, owner: Any, outsider: Any) -> None:
    space = testing.make_space("Imaging circle", visibility=Space.PRIVATE)
    page = client_for(owner).get("/settings/community/invitations/")
    assert b"Imaging circle" in page.content
    response = client_for(owner).post(
        "/settings/community/invitations/", {"expires_in_days": "7", "space": space.slug, "max_uses": "1"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.space == space
    client_for(outsider).post(f"/invite/{invitation.token}/")
    assert SpaceMembership.objects.get(space=space, user=outsider).state == SpaceMembership.ACTIVE


def test_members_cannot_attach_spaces(member: Any, community: Community) -> None:
    space = testing.make_space("Imaging circle", visibility=Space.PRIVATE)
    with pytest.raises(Invalid, match="space's moderators"):
        actions.create_invitation(Guardian(member), community, space=space)


def test_joining_from_pages_is_rate_limited(client_for: Any, outsider: Any, community: Community) -> None:
    Community.objects.filter(pk=1).update(join_policy=Community.APPROVAL, screening_questions=["Why?"])
    c = client_for(outsider)
    statuses = {c.post("/join/", {"answer_0": ""}).status_code for _ in range(31)}
    assert statuses == {400, 429}


def test_member_link_ignores_group_choice(client_for: Any, member: Any) -> None:
    group = testing.make_group("Mentors")
    page = client_for(member).get("/settings/community/invitations/")
    assert b"Add to group" not in page.content
    response = client_for(member).post(
        "/settings/community/invitations/", {"expires_in_days": "7", "group": group.slug}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().group is None
