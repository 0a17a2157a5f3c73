"""The members admin table (search, filters, sort, pages, bulk actions) and invitations' states."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

import factories as testing
from townhall.community import actions, queries
from townhall.community.models import GroupMember, Invitation, Membership
from townhall.core.errors import Invalid, PermissionDenied
from townhall.discussions import actions as discussion_actions
from townhall.policy import Guardian

URL = "/settings/community/members/"
BULK = "/settings/community/members/bulk/"


@pytest.fixture(autouse=True)
def _fast(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DISCUSSIONS_TOPIC_RATE = settings.DISCUSSIONS_POST_RATE = "10000/m"


def membership_of(user: Any) -> Membership:
    return Membership.objects.get(user=user)


def listed(html: str) -> list[str]:
    """The @usernames of the table's rows, in order."""
    body = html.split('<table class="member-table">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<label for="select-\d+" class="visually-hidden">Select @([\w.-]+)</label>', body)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def world(owner: Any, admin: Any, moderator: Any, member: Any, suspended: Any, banned: Any) -> dict[str, Any]:
    lisa = testing.make_member("lisa", display_name="Lisa Lens", email="lisa@stars.example")
    chapter = testing.make_group("Berlin chapter", [lisa, member])
    testing.make_member("applicant", state="pending")
    return {"lisa": lisa, "chapter": chapter}


# --- search, filters, sort ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ("q=lens", ["lisa"]),
        ("q=@LIS", ["lisa"]),
        ("role=moderator", ["mona"]),
        ("state=banned", ["bo"]),
        ("state=suspended", ["sam"]),
        ("group=berlin-chapter&sort=name", ["lisa", "max"]),
        ("sort=name", ["adam", "bo", "lisa", "max", "mona", "olivia", "sam"]),  # never the applicant
    ],
)
def test_filters_and_search(
    client_for: Any, admin: Any, world: Any, params: str, expected: list[str]
) -> None:
    assert listed(client_for(admin).get(f"{URL}?{params}").content.decode()) == expected


def test_email_search_is_for_admins_only(client_for: Any, admin: Any, moderator: Any, world: Any) -> None:
    as_admin = client_for(admin).get(f"{URL}?q=stars.example").content.decode()
    assert listed(as_admin) == ["lisa"] and "lisa@stars.example" in as_admin
    as_moderator = client_for(moderator).get(f"{URL}?q=stars.example").content.decode()
    assert "No members match." in as_moderator
    assert "lisa@stars.example" not in client_for(moderator).get(URL).content.decode()


def test_sort_by_posts_comes_from_the_registered_stat(
    client_for: Any, admin: Any, member: Any, world: Any
) -> None:
    space = testing.make_space("Planets", members=[member, world["lisa"]])
    topic = discussion_actions.create_topic(Guardian(member), space, title="Rings", body="Look at Saturn")
    for _ in range(2):
        discussion_actions.create_post(Guardian(world["lisa"]), topic, body="Yes!")
    html = client_for(admin).get(f"{URL}?sort=posts").content.decode()
    assert listed(html)[:2] == ["lisa", "max"]
    assert '<th scope="col" class="num">Posts</th>' in html
    assert '<td data-label="Posts" class="num">2</td>' in html


def test_sort_by_joined_and_last_seen(client_for: Any, admin: Any, world: Any) -> None:
    now = timezone.now()
    Membership.objects.filter(user=world["lisa"]).update(joined_at=now + timedelta(days=1))
    Membership.objects.filter(user__username="sam").update(joined_at=now - timedelta(days=400))
    world["lisa"].__class__.objects.filter(username="bo").update(last_login=now + timedelta(hours=1))
    c = client_for(admin)
    assert listed(c.get(URL).content.decode())[0] == "lisa"  # newest first by default
    assert listed(c.get(f"{URL}?sort=joined-oldest").content.decode())[0] == "sam"
    assert listed(c.get(f"{URL}?sort=seen").content.decode())[0] == "bo"


def test_pages_and_bad_parameters(client_for: Any, admin: Any, world: Any) -> None:
    for i in range(5):
        testing.make_member(f"crowd{i}")
    table = queries.member_table(Guardian(admin), queries.MemberTableQuery(sort="name"), per_page=5)
    assert table.pages == 3 and len(table.rows) == 5
    last = queries.member_table(Guardian(admin), queries.MemberTableQuery(sort="name", page=99), per_page=5)
    assert last.page == 3 and len(last.rows) == 2
    c = client_for(admin)
    for bad in ("page=abc", "page=-3", "sort=evil", "state=%00", "role=king", "q=" + "x" * 500):
        assert c.get(f"{URL}?{bad}").status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_query_count_is_fixed(client_for: Any, admin: Any, size: int, django_assert_num_queries: Any) -> None:
    group = testing.make_group("Cohort")
    for i in range(size):
        group.members.add(testing.make_member(f"crowd{i:02d}"))
    c = client_for(admin)
    # User, membership, count, rows (posts counted in the same query), their groups, group choices,
    # community, the admin's space roles (for the sidebar, which has no space here).
    with django_assert_num_queries(MEMBERS_QUERIES):
        response = c.get(f"{URL}?sort=posts")
    assert response.status_code == 200 and len(listed(response.content.decode())) == size + 1


MEMBERS_QUERIES = 8


def test_members_page_is_for_moderators(client_for: Any, member: Any) -> None:
    assert client_for(member).get(URL).status_code == 403
    assert client_for(member).post(BULK, {"op": "suspend", "ids": ["1"]}).status_code == 403


# --- bulk actions ----------------------------------------------------------------------------------
def test_bulk_add_to_group_applies_to_every_selected_row(client_for: Any, admin: Any, world: Any) -> None:
    ids = [membership_of(u).pk for u in (world["lisa"],)] + [Membership.objects.get(user__username="mona").pk]
    response = client_for(admin).post(
        BULK, {"op": "add_to_group", "group": "berlin-chapter", "ids": ids, "next": f"{URL}?sort=name"}
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?sort=name"
    members = set(GroupMember.objects.filter(group=world["chapter"]).values_list("user__username", flat=True))
    assert members == {"lisa", "max", "mona"}
    text = " ".join(messages_of(response))
    assert "Add to group Berlin chapter: done for @mona." in text
    assert "not for @lisa. @lisa is already in this group." in text


def test_bulk_suspend_applies_to_allowed_rows_and_names_the_refused(
    client_for: Any, moderator: Any, admin: Any, member: Any, world: Any
) -> None:
    ids = [membership_of(u).pk for u in (member, world["lisa"], admin, moderator)]
    response = client_for(moderator).post(BULK, {"op": "suspend", "reason": "Spam wave", "ids": ids})
    states = dict(Membership.objects.values_list("user__username", "state"))
    assert states["max"] == states["lisa"] == "suspended"
    assert states["adam"] == states["mona"] == "active"
    text = messages_of(response)
    assert "Suspend: done for @max, @lisa." in text
    assert "Suspend: not for @adam. You cannot change this person's standing." in text
    assert "Suspend: not for @mona. You cannot change this person's standing." in text
    assert membership_of(member).review_note == "Spam wave"


def test_bulk_role_change_follows_the_role_rules(
    client_for: Any, admin: Any, owner: Any, member: Any, world: Any
) -> None:
    ids = [membership_of(u).pk for u in (member, owner, admin)]
    response = client_for(admin).post(BULK, {"op": "set_role", "role": "moderator", "ids": ids})
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles["max"] == "moderator" and roles["olivia"] == "owner" and roles["adam"] == "admin"
    assert "Change role to moderator: done for @max." in messages_of(response)


def test_bulk_group_actions_are_refused_as_a_whole_to_moderators(
    client_for: Any, moderator: Any, member: Any, world: Any
) -> None:
    ids = [membership_of(member).pk]
    response = client_for(moderator).post(
        BULK, {"op": "remove_from_group", "group": "berlin-chapter", "ids": ids}
    )
    assert response.status_code == 403
    assert GroupMember.objects.filter(user=member).exists()
    assert 'value="add_to_group"' not in client_for(moderator).get(URL).content.decode()


def test_bulk_rows_outside_the_guardians_view_are_left_out(
    client_for: Any, moderator: Any, member: Any, world: Any
) -> None:
    applicant = Membership.objects.get(user__username="applicant")
    response = client_for(moderator).post(
        BULK,
        {"op": "suspend", "ids": [applicant.pk, membership_of(member).pk, "junk", "99999999999999999999"]},
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=applicant.pk).state == "pending"  # not a member: not in the table
    assert membership_of(member).state == "suspended"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"op": "suspend"}, "Select at least one member."),
        ({"op": "", "ids": ["1"]}, "This field is required."),
        (
            {"op": "explode", "ids": ["1"]},
            "Select a valid choice. explode is not one of the available choices.",
        ),
        ({"op": "set_role", "role": "", "ids": "MEMBER"}, "Choose a role."),
        ({"op": "add_to_group", "ids": "MEMBER"}, "Choose a group."),
        (
            {"op": "suspend", "reason": "x" * 501, "ids": "MEMBER"},
            "Ensure this value has at most 500 characters (it has 501).",
        ),
    ],
)
def test_bulk_bad_input_is_a_message(
    client_for: Any, admin: Any, member: Any, world: Any, data: dict[str, Any], message: str
) -> None:
    if data.get("ids") == "MEMBER":
        data = {**data, "ids": [membership_of(member).pk]}
    response = client_for(admin).post(BULK, data)
    assert response.status_code == 302 and response["Location"] == URL
    assert message in messages_of(response)
    assert membership_of(member).state == "active" and membership_of(member).role == "member"


def test_bulk_refuses_more_than_the_maximum(admin: Any, world: Any) -> None:
    rows = list(Membership.objects.all()) * 20
    with pytest.raises(Invalid, match="at most 100"):
        actions.bulk_update_members(Guardian(admin), rows, op="suspend")
    with pytest.raises(PermissionDenied):
        actions.bulk_update_members(
            Guardian(world["lisa"]), rows[:1], op="add_to_group", group=world["chapter"]
        )


def test_bulk_next_stays_on_the_members_page(client_for: Any, admin: Any, member: Any, world: Any) -> None:
    ids = [membership_of(member).pk]
    for evil in ("https://evil.example/", "//evil.example/settings/community/members/", "/home/"):
        response = client_for(admin).post(BULK, {"op": "restore", "ids": ids, "next": evil})
        assert response["Location"] == URL


# --- invitations ---------------------------------------------------------------------------------
def test_invitations_show_their_state(client_for: Any, moderator: Any) -> None:
    now = timezone.now()
    make = Invitation.objects.create
    make(created_by=moderator, token="t-active", note="a")
    make(created_by=moderator, token="t-expired", expires_at=now - timedelta(minutes=1))
    make(created_by=moderator, token="t-used", max_uses=2, uses=2)
    make(created_by=moderator, token="t-revoked", revoked_at=now, max_uses=1, uses=1)
    states = {i.token: i.state for i in Invitation.objects.all()}
    assert states == {
        "t-active": "active",
        "t-expired": "expired",
        "t-used": "used_up",
        "t-revoked": "revoked",
    }
    html = client_for(moderator).get("/settings/community/invitations/").content.decode()
    for label in ("Active", "Expired", "Used up", "Revoked"):
        assert f'<span class="badge invitation-state">{label}</span>' in html
    assert html.count(">Revoke</button>") == 1  # only the active one can still be revoked


def test_bulk_api_reports_done_and_refused_rows(
    client_for: Any, moderator: Any, admin: Any, member: Any, world: Any
) -> None:
    ids = [membership_of(u).pk for u in (member, admin)]
    response = client_for(moderator).post(
        "/api/v1/memberships/bulk",
        {"ids": ids, "op": "suspend", "reason": "Spam"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "done": ["max"],
        "refused": [{"username": "adam", "reason": "You cannot change this person's standing."}],
    }
    bad = client_for(moderator).post(
        "/api/v1/memberships/bulk", {"ids": ids, "op": "explode"}, content_type="application/json"
    )
    assert bad.status_code in (400, 422) and "Choose what to do" in bad.json()["message"]
    groups = client_for(moderator).post(
        "/api/v1/memberships/bulk",
        {"ids": ids, "op": "add_to_group", "group": "berlin-chapter"},
        content_type="application/json",
    )
    assert groups.status_code == 403
    assert (
        client_for(member)
        .post("/api/v1/memberships/bulk", {"ids": ids, "op": "restore"}, content_type="application/json")
        .status_code
        == 403
    )
