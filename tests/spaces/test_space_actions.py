"""Space actions other than joining: creating, changing, archiving, leaving, requests, invitations,
space moderators and the sidebar. One test per way each can succeed or fail."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

import factories as testing
from townhall.activity.models import Activity
from townhall.community.models import Membership
from townhall.core import effects
from townhall.core.errors import Invalid, NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.realtime.publish import space_group, user_group
from townhall.spaces import actions
from townhall.spaces.events import SpaceCreated
from townhall.spaces.models import SidebarSection, Space, SpaceMembership

pytestmark = pytest.mark.django_db


def _row(space: Space, user: Any) -> SpaceMembership | None:
    return SpaceMembership.objects.filter(space=space, user=user).first()


def _count(space: Space) -> int:
    space.refresh_from_db()
    return space.member_count


# --- create_space ------------------------------------------------------------------------------------
def test_admin_creates_a_space_and_moderates_it(admin: Any, django_capture_on_commit_callbacks: Any) -> None:
    section = SidebarSection.objects.create(name="Observing")
    testing.make_space("Earlier", section=section, position=4)
    created: list[int] = []

    effects.listen(SpaceCreated, lambda event: created.append(event.space_id), name="test-created")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            space = actions.create_space(
                Guardian(admin),
                name="  Deep Sky Imaging ",
                description="Galaxies and nebulae",
                icon="🌌",
                visibility=Space.PRIVATE,
                posting=Space.MODERATORS,
                section=section,
            )
    finally:
        effects.unlisten(SpaceCreated, name="test-created")
    assert space.name == "Deep Sky Imaging"
    assert space.slug == "deep-sky-imaging"
    assert (space.icon, space.visibility, space.posting, space.kind) == (
        "🌌",
        "private",
        "moderators",
        "discussion",
    )
    assert space.position == 5
    assert space.created_by == admin
    assert _count(space) == 1
    row = _row(space, admin)
    assert row is not None and (row.state, row.role) == ("active", "moderator")
    assert Activity.objects.filter(verb="space.created", target_id=space.pk, actor=admin).exists()
    assert created == [space.pk]


def test_slug_gets_a_suffix_on_a_clash(admin: Any) -> None:
    testing.make_space("Planets")
    testing.make_space("Planets 2", slug="planets-2")
    space = actions.create_space(Guardian(admin), name="Planets")
    assert space.slug == "planets-3"


def test_slug_from_an_emoji_only_name(admin: Any) -> None:
    assert actions.create_space(Guardian(admin), name="🔭🔭").slug == "space"
    assert actions.create_space(Guardian(admin), name="🌙").slug == "space-2"


def test_group_restriction_is_kept(admin: Any) -> None:
    group = testing.make_group("Berlin chapter")
    space = actions.create_space(Guardian(admin), name="Berlin", group=group)
    assert space.group == group


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Name is required"),
        ({"name": "x" * 81}, "name", "at most 80"),
        ({"name": "ok", "icon": "🌌" * 17}, "icon", "at most 16"),
        ({"name": "ok", "description": "d" * 1001}, "description", "at most 1000"),
        ({"name": "ok", "visibility": "everyone"}, "visibility", "Visibility must be one of"),
        ({"name": "ok", "posting": "admins"}, "posting", "Who may start posts must be one of"),
        ({"name": "ok", "kind": "poetry"}, "kind", "Kind must be one of"),
    ],
)
def test_create_space_rejects_bad_input(admin: Any, fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(Invalid, match=message) as exc:
        actions.create_space(Guardian(admin), **fields)
    assert field in exc.value.field_errors
    assert not Space.objects.exists()


@pytest.mark.parametrize("persona", ["moderator", "member", "suspended", "outsider"])
def test_only_admins_create_spaces(request: pytest.FixtureRequest, persona: str) -> None:
    with pytest.raises(PermissionDenied, match="Only admins"):
        actions.create_space(Guardian(request.getfixturevalue(persona)), name="Nope")
    assert not Space.objects.exists()


def test_anonymous_cannot_create_spaces(community: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.create_space(Guardian(None), name="Nope")


# --- update / archive ----------------------------------------------------------------------------------
def test_admin_updates_a_space(admin: Any, broadcasts: list, django_capture_on_commit_callbacks: Any) -> None:
    smod = testing.make_member("smod")
    section = SidebarSection.objects.create(name="Gear")
    testing.make_space("Already there", section=section)
    space = testing.make_space("Planets", moderators=[smod])
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_space(
            Guardian(admin),
            space,
            name="Planetary",
            description="Jupiter and friends",
            icon="🪐",
            visibility=Space.PUBLIC,
            posting=Space.EVERYONE,
            group=None,
            section=section,
        )
    space.refresh_from_db()
    assert (space.name, space.slug, space.icon, space.visibility) == ("Planetary", "planets", "🪐", "public")
    assert space.section == section and space.position == 1
    activity = Activity.objects.get(verb="space.updated")
    assert activity.data["fields"] == ["description", "icon", "name", "section_id", "visibility"]
    assert broadcasts == [
        (
            [space_group(space.pk), user_group(smod.pk)],
            {"type": "space", "op": "updated", "space_id": space.pk, "user_id": admin.pk},
        )
    ]


def test_update_without_changes_records_nothing(admin: Any, broadcasts: list) -> None:
    space = testing.make_space("Planets", description="d")
    actions.update_space(
        Guardian(admin),
        space,
        name="Planets",
        description="d",
        icon=space.icon,
        visibility=space.visibility,
        posting=space.posting,
        group=None,
        section=None,
    )
    assert not Activity.objects.filter(verb="space.updated").exists()


def test_update_rejects_bad_input(admin: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(Invalid, match="Name is required"):
        actions.update_space(
            Guardian(admin), space, name="", description="", icon="", visibility="members",
            posting="everyone", group=None, section=None,
        )  # fmt: skip
    space.refresh_from_db()
    assert space.name == "Planets"


def test_moderator_cannot_update_a_space(moderator: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(PermissionDenied, match="Only admins"):
        actions.update_space(
            Guardian(moderator), space, name="X", description="", icon="", visibility="members",
            posting="everyone", group=None, section=None,
        )  # fmt: skip


def test_archive_and_unarchive(
    admin: Any, member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space = testing.make_space("Old", members=[member])
    with django_capture_on_commit_callbacks(execute=True):
        actions.archive_space(Guardian(admin), space)
    assert space.archived_at is not None
    assert not Guardian(member).spaces.post.can(space)
    with pytest.raises(Invalid, match="already archived"):
        actions.archive_space(Guardian(admin), space)
    with django_capture_on_commit_callbacks(execute=True):
        actions.unarchive_space(Guardian(admin), space)
    space.refresh_from_db()
    assert space.archived_at is None
    with pytest.raises(Invalid, match="not archived"):
        actions.unarchive_space(Guardian(admin), space)
    assert [p["op"] for _, p in broadcasts] == ["archived", "unarchived"]
    assert all(groups == [space_group(space.pk)] for groups, _ in broadcasts)
    assert Activity.objects.filter(verb__in=["space.archived", "space.unarchived"]).count() == 2


def test_members_cannot_archive(member: Any) -> None:
    space = testing.make_space("Planets", moderators=[member])
    with pytest.raises(PermissionDenied):
        actions.archive_space(Guardian(member), space)
    space.refresh_from_db()
    assert space.archived_at is None


def test_archiving_an_unseen_space_is_not_found(moderator: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    with pytest.raises(NotFound):
        actions.archive_space(Guardian(moderator), space)


# --- leave_space ---------------------------------------------------------------------------------------
def test_member_leaves(member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any) -> None:
    smod = testing.make_member("smod")
    space = testing.make_space("Planets", members=[member], moderators=[smod])
    guardian = Guardian(member)
    with django_capture_on_commit_callbacks(execute=True):
        actions.leave_space(guardian, space)
    assert _row(space, member) is None
    assert _count(space) == 1
    assert not guardian.spaces.is_member(space)
    assert Activity.objects.filter(verb="space.left", actor=member, data__state="active").exists()
    assert broadcasts == [
        (
            [user_group(member.pk), user_group(smod.pk)],
            {"type": "space", "op": "left", "space_id": space.pk, "user_id": member.pk},
        )
    ]


def test_withdrawing_a_request_keeps_the_count(member: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE)
    actions.join_space(Guardian(member), space)
    actions.leave_space(Guardian(member), space)
    assert _row(space, member) is None
    assert _count(space) == 0


def test_declining_an_invitation(member: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    SpaceMembership.objects.create(space=space, user=member, state=SpaceMembership.INVITED)
    actions.leave_space(Guardian(member), space)
    assert _row(space, member) is None
    assert not Guardian(member).spaces.view.can(space)


def test_leaving_a_space_you_are_not_in(member: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(PermissionDenied, match="not in this space"):
        actions.leave_space(Guardian(member), space)


def test_leaving_an_unseen_space_is_not_found(member: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    with pytest.raises(NotFound):
        actions.leave_space(Guardian(member), space)


def test_stale_guardian_cannot_leave_twice(member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    stale = Guardian(member)
    assert stale.space_roles == {space.pk: ("active", "member")}  # cached before the row goes
    actions.leave_space(Guardian(member), space)
    with pytest.raises(PermissionDenied, match="not in this space"):
        actions.leave_space(stale, space)
    assert _count(space) == 0


# --- approve / deny ----------------------------------------------------------------------------------
@pytest.fixture
def private_space(member: Any) -> Space:
    smod = testing.make_member("smod")
    space = testing.make_space("Inner", visibility=Space.PRIVATE, moderators=[smod])
    actions.join_space(Guardian(member), space, message="please")
    return space


def _space_mod(space: Space) -> Any:
    return SpaceMembership.objects.get(space=space, role=SpaceMembership.MODERATOR).user


def test_space_moderator_approves(
    private_space: Space, member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    smod = _space_mod(private_space)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.approve_join_request(Guardian(smod), private_space, user=member)
    assert row.state == SpaceMembership.ACTIVE
    assert _count(private_space) == 2
    assert Guardian(member).spaces.read.can(private_space)
    assert Activity.objects.filter(
        verb="space.request_approved", actor=smod, data__user_id=member.pk
    ).exists()
    assert broadcasts[0] == (
        [user_group(member.pk), user_group(smod.pk)],
        {"type": "space", "op": "approved", "space_id": private_space.pk, "user_id": member.pk},
    )
    assert [(groups, p["type"]) for groups, p in broadcasts[1:]] == [
        ([user_group(member.pk)], "notifications")
    ]


def test_community_moderator_approves(private_space: Space, member: Any, moderator: Any) -> None:
    actions.approve_join_request(Guardian(moderator), private_space, user=member)
    assert _row(private_space, member).state == SpaceMembership.ACTIVE  # type: ignore[union-attr]


def test_approving_without_a_request(private_space: Space, newcomer: Any) -> None:
    with pytest.raises(Invalid, match="no request to join from @nina"):
        actions.approve_join_request(Guardian(_space_mod(private_space)), private_space, user=newcomer)
    assert _count(private_space) == 1


def test_approving_twice(private_space: Space, member: Any) -> None:
    smod = _space_mod(private_space)
    actions.approve_join_request(Guardian(smod), private_space, user=member)
    with pytest.raises(Invalid):
        actions.approve_join_request(Guardian(smod), private_space, user=member)
    assert _count(private_space) == 2


def test_approving_someone_banned_meanwhile(private_space: Space, member: Any) -> None:
    Membership.objects.filter(user=member).update(state=Membership.BANNED)
    with pytest.raises(PermissionDenied, match="no longer an active member"):
        actions.approve_join_request(Guardian(_space_mod(private_space)), private_space, user=member)
    assert _row(private_space, member).state == SpaceMembership.REQUESTED  # type: ignore[union-attr]


def test_plain_members_cannot_approve(private_space: Space, member: Any, newcomer: Any) -> None:
    with pytest.raises(PermissionDenied, match="space's moderators"):
        actions.approve_join_request(Guardian(newcomer), private_space, user=member)


def test_suspended_space_moderator_cannot_approve(private_space: Space, member: Any) -> None:
    smod = _space_mod(private_space)
    Membership.objects.filter(user=smod).update(state=Membership.SUSPENDED)
    with pytest.raises(PermissionDenied):
        actions.approve_join_request(Guardian(smod), private_space, user=member)


def test_space_moderator_denies(
    private_space: Space, member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    smod = _space_mod(private_space)
    with django_capture_on_commit_callbacks(execute=True):
        actions.deny_join_request(Guardian(smod), private_space, user=member)
    assert _row(private_space, member) is None
    assert _count(private_space) == 1
    assert Guardian(member).spaces.join_mode(private_space) == "request"  # may ask again
    assert broadcasts[0][0] == [user_group(member.pk), user_group(smod.pk)]
    assert broadcasts[0][1]["op"] == "denied"


def test_denying_without_a_request(private_space: Space, newcomer: Any) -> None:
    with pytest.raises(Invalid):
        actions.deny_join_request(Guardian(_space_mod(private_space)), private_space, user=newcomer)


def test_plain_members_cannot_deny(private_space: Space, member: Any, newcomer: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.deny_join_request(Guardian(newcomer), private_space, user=member)
    assert _row(private_space, member) is not None


def test_moderating_an_unseen_secret_space_is_not_found(moderator: Any, member: Any) -> None:
    space = testing.make_space("Hidden", visibility=Space.SECRET)
    SpaceMembership.objects.create(space=space, user=member, state=SpaceMembership.REQUESTED)
    with pytest.raises(NotFound):
        actions.approve_join_request(Guardian(moderator), space, user=member)


def test_request_to_join_refuses_open_spaces(member: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(PermissionDenied, match="join it directly"):
        actions.request_to_join(Guardian(member), space)


def test_request_message_is_limited(member: Any) -> None:
    space = testing.make_space("Inner", visibility=Space.PRIVATE)
    with pytest.raises(Invalid, match="at most 500"):
        actions.request_to_join(Guardian(member), space, message="x" * 501)
    assert _row(space, member) is None


# --- invitations ---------------------------------------------------------------------------------------
def test_space_moderator_invites_to_a_secret_space(
    member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    smod = testing.make_member("smod")
    space = testing.make_space("Hidden", visibility=Space.SECRET, moderators=[smod])
    assert not Guardian(member).spaces.view.can(space)
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.invite_to_space(Guardian(smod), space, user=member)
    assert row.state == SpaceMembership.INVITED
    assert _count(space) == 1
    invitee = Guardian(member)
    assert invitee.spaces.view.can(space) and invitee.spaces.join_mode(space) == "accept"
    assert broadcasts == [
        (
            [user_group(member.pk), user_group(smod.pk)],
            {"type": "space", "op": "invited", "space_id": space.pk, "user_id": member.pk},
        )
    ]
    actions.join_space(invitee, space)
    assert _count(space) == 2


def test_inviting_someone_who_asked_lets_them_in(private_space: Space, member: Any) -> None:
    row = actions.invite_to_space(Guardian(_space_mod(private_space)), private_space, user=member)
    assert row.state == SpaceMembership.ACTIVE
    assert _count(private_space) == 2


def test_inviting_a_space_member(member: Any, admin: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    with pytest.raises(Invalid, match="already in this space"):
        actions.invite_to_space(Guardian(admin), space, user=member)


def test_inviting_twice(member: Any, admin: Any) -> None:
    space = testing.make_space("Planets")
    actions.invite_to_space(Guardian(admin), space, user=member)
    with pytest.raises(Invalid, match="already been invited"):
        actions.invite_to_space(Guardian(admin), space, user=member)


@pytest.mark.parametrize("persona", ["pending", "suspended", "banned", "outsider"])
def test_inviting_someone_not_active(request: pytest.FixtureRequest, admin: Any, persona: str) -> None:
    person = request.getfixturevalue(persona)
    space = testing.make_space("Planets")
    with pytest.raises(PermissionDenied, match="not an active member"):
        actions.invite_to_space(Guardian(admin), space, user=person)
    assert _row(space, person) is None


def test_plain_members_cannot_invite(member: Any, newcomer: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    with pytest.raises(PermissionDenied, match="space's moderators"):
        actions.invite_to_space(Guardian(member), space, user=newcomer)


def test_nobody_is_invited_to_an_archived_space(admin: Any, member: Any) -> None:
    from django.utils import timezone

    space = testing.make_space("Old", archived_at=timezone.now())
    with pytest.raises(PermissionDenied, match="archived"):
        actions.invite_to_space(Guardian(admin), space, user=member)


# --- space moderators --------------------------------------------------------------------------------
def test_admin_makes_a_newcomer_space_moderator(
    admin: Any, newcomer: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space = testing.make_space("Planets")
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.set_space_moderator(Guardian(admin), space, user=newcomer, is_moderator=True)
    assert (row.state, row.role) == ("active", "moderator")
    assert _count(space) == 1
    assert Guardian(newcomer).spaces.moderate.can(space)
    assert broadcasts[0][0] == [user_group(newcomer.pk)]
    assert broadcasts[0][1]["op"] == "moderator_added"


def test_promote_an_invitee_counts_them_in(admin: Any, member: Any) -> None:
    space = testing.make_space("Planets")
    actions.invite_to_space(Guardian(admin), space, user=member)
    actions.set_space_moderator(Guardian(admin), space, user=member, is_moderator=True)
    assert _count(space) == 1


def test_promote_and_demote_a_member(
    admin: Any, member: Any, broadcasts: list, django_capture_on_commit_callbacks: Any
) -> None:
    space = testing.make_space("Planets", members=[member])
    actions.set_space_moderator(Guardian(admin), space, user=member, is_moderator=True)
    assert _count(space) == 1
    with django_capture_on_commit_callbacks(execute=True):
        row = actions.set_space_moderator(Guardian(admin), space, user=member, is_moderator=False)
    assert (row.state, row.role) == ("active", "member")
    assert not Guardian(member).spaces.moderate.can(space)
    assert broadcasts[-1] == (
        [user_group(member.pk)],
        {"type": "space", "op": "moderator_removed", "space_id": space.pk, "user_id": member.pk},
    )
    assert Activity.objects.filter(verb="space.moderator_removed").count() == 1


def test_already_a_moderator(admin: Any, member: Any) -> None:
    space = testing.make_space("Planets", moderators=[member])
    with pytest.raises(Invalid, match="already a moderator"):
        actions.set_space_moderator(Guardian(admin), space, user=member, is_moderator=True)


def test_removing_someone_who_is_not_a_moderator(admin: Any, member: Any) -> None:
    space = testing.make_space("Planets", members=[member])
    with pytest.raises(Invalid, match="not a moderator"):
        actions.set_space_moderator(Guardian(admin), space, user=member, is_moderator=False)


def test_only_admins_set_space_moderators(moderator: Any, member: Any) -> None:
    space = testing.make_space("Planets", moderators=[moderator])
    with pytest.raises(PermissionDenied, match="Only admins"):
        actions.set_space_moderator(Guardian(moderator), space, user=member, is_moderator=True)


def test_outsiders_cannot_become_space_moderators(admin: Any, outsider: Any) -> None:
    space = testing.make_space("Planets")
    with pytest.raises(PermissionDenied, match="not an active member"):
        actions.set_space_moderator(Guardian(admin), space, user=outsider, is_moderator=True)


# --- sidebar sections and order --------------------------------------------------------------------
def test_sections_lifecycle(admin: Any) -> None:
    g = Guardian(admin)
    first = actions.create_section(g, name=" Observing ")
    second = actions.create_section(g, name="Gear")
    assert (first.name, first.position, second.position) == ("Observing", 0, 1)
    actions.rename_section(g, second, name="Equipment")
    assert SidebarSection.objects.get(pk=second.pk).name == "Equipment"
    actions.move_section(g, second, direction="up")
    assert list(SidebarSection.objects.values_list("name", flat=True)) == ["Equipment", "Observing"]
    actions.move_section(g, second, direction="up")  # already first: nothing changes
    assert list(SidebarSection.objects.values_list("name", flat=True)) == ["Equipment", "Observing"]
    actions.move_section(g, second, direction="down")
    assert list(SidebarSection.objects.values_list("name", flat=True)) == ["Observing", "Equipment"]
    assert Activity.objects.filter(verb__startswith="section.").count() == 6


def test_deleting_a_section_keeps_its_spaces(admin: Any) -> None:
    g = Guardian(admin)
    section = actions.create_section(g, name="Gear")
    loose = testing.make_space("Loose")
    inside = [testing.make_space(f"In {i}", section=section, position=i) for i in range(2)]
    actions.delete_section(g, section)
    assert not SidebarSection.objects.exists()
    positions = dict(Space.objects.values_list("name", "position"))
    assert all(s.section_id is None for s in Space.objects.all())
    assert positions["In 0"] > loose.position and positions["In 1"] == positions["In 0"] + 1
    assert len(inside) == 2


@pytest.mark.parametrize(("name", "message"), [("", "required"), ("x" * 61, "at most 60")])
def test_section_names_are_checked(admin: Any, name: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        actions.create_section(Guardian(admin), name=name)
    section = SidebarSection.objects.create(name="Gear")
    with pytest.raises(Invalid, match=message):
        actions.rename_section(Guardian(admin), section, name=name)
    assert SidebarSection.objects.get(pk=section.pk).name == "Gear"


def test_bad_direction(admin: Any) -> None:
    section = SidebarSection.objects.create(name="Gear")
    with pytest.raises(Invalid, match="up"):
        actions.move_section(Guardian(admin), section, direction="sideways")
    with pytest.raises(Invalid, match="up"):
        actions.move_space(Guardian(admin), testing.make_space("S"), direction="left")


def test_moving_a_deleted_section(admin: Any) -> None:
    section = SidebarSection.objects.create(name="Gear")
    SidebarSection.objects.filter(pk=section.pk).delete()
    with pytest.raises(Invalid, match="no longer exists"):
        actions.move_section(Guardian(admin), section, direction="up")


@pytest.mark.parametrize("persona", ["moderator", "member"])
def test_only_admins_arrange_the_sidebar(request: pytest.FixtureRequest, persona: str) -> None:
    g = Guardian(request.getfixturevalue(persona))
    section = SidebarSection.objects.create(name="Gear")
    space = testing.make_space("Planets")
    for attempt in (
        lambda: actions.create_section(g, name="X"),
        lambda: actions.rename_section(g, section, name="X"),
        lambda: actions.delete_section(g, section),
        lambda: actions.move_section(g, section, direction="up"),
        lambda: actions.move_space(g, space, direction="up"),
        lambda: actions.assign_section(g, space, section=section),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert SidebarSection.objects.get().name == "Gear"


def test_move_space_within_its_section(admin: Any) -> None:
    section = SidebarSection.objects.create(name="Gear")
    a, b, c = (testing.make_space(n, section=section) for n in "ABC")  # all at position 0
    testing.make_space("Elsewhere")
    actions.move_space(Guardian(admin), c, direction="up")
    order = list(
        Space.objects.filter(section=section).order_by("position", "id").values_list("name", flat=True)
    )
    assert order == ["A", "C", "B"]
    actions.move_space(Guardian(admin), a, direction="down")
    order = list(
        Space.objects.filter(section=section).order_by("position", "id").values_list("name", flat=True)
    )
    assert order == ["C", "A", "B"]
    assert b.pk


def test_assign_section_puts_the_space_last(admin: Any) -> None:
    section = SidebarSection.objects.create(name="Gear")
    testing.make_space("First", section=section, position=3)
    space = testing.make_space("Planets")
    actions.assign_section(Guardian(admin), space, section=section)
    space.refresh_from_db()
    assert space.section == section and space.position == 4
    actions.assign_section(Guardian(admin), space, section=None)
    space.refresh_from_db()
    assert space.section is None
    assert Activity.objects.filter(verb="space.section_assigned").count() == 2


# --- member_count stays right whatever happens ----------------------------------------------------------
def test_member_count_matches_active_rows_through_any_sequence(admin: Any) -> None:
    import random

    rng = random.Random(20261121)
    people = [testing.make_member(f"p{i}") for i in range(5)]
    spaces = [testing.make_space("Open"), testing.make_space("Inner", visibility=Space.PRIVATE)]
    moves = [
        lambda s, p: actions.join_space(Guardian(p), s),
        lambda s, p: actions.leave_space(Guardian(p), s),
        lambda s, p: actions.approve_join_request(Guardian(admin), s, user=p),
        lambda s, p: actions.deny_join_request(Guardian(admin), s, user=p),
        lambda s, p: actions.invite_to_space(Guardian(admin), s, user=p),
        lambda s, p: actions.set_space_moderator(Guardian(admin), s, user=p, is_moderator=rng.random() < 0.5),
    ]
    for _ in range(120):
        space, person, move = rng.choice(spaces), rng.choice(people), rng.choice(moves)
        with contextlib.suppress(Invalid, PermissionDenied):
            move(space, person)
        active = SpaceMembership.objects.filter(space=space, state=SpaceMembership.ACTIVE).count()
        assert _count(space) == active
