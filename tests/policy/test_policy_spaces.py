"""The space rules, table by table: every persona x every rule x every space state.

Each test builds one space state (visibility x group restriction x posting x archived), every
persona, and compares each rule's answer with the tables below. The database filters
(visible_spaces, readable_spaces) are checked against the Python rules for the same state.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

import factories as testing
from townhall.community.models import Membership
from townhall.core.errors import NotFound, PermissionDenied
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.django_db

PUBLIC, MEMBERS, PRIVATE, SECRET = Space.PUBLIC, Space.MEMBERS, Space.PRIVATE, Space.SECRET
VISIBILITIES = [PUBLIC, MEMBERS, PRIVATE, SECRET]

PERSONAS = [
    "owner",
    "admin",
    "moderator",
    "member",
    "newcomer",
    "pending",
    "suspended",
    "banned",
    "outsider",
    "anonymous",
    "space_member",
    "space_moderator",
    "invited",
    "requested",
    "group_member",
]

# --- baseline: no group, everyone posts, not archived ----------------------------------------------
# Columns: view, read, post, join_mode, moderate, manage.  "-" = False / None.
V, R, P, M, G = "view", "read", "post", "moderate", "manage"

BASELINE: dict[str, dict[str, tuple[bool, bool, bool, str | None, bool, bool]]] = {
    #                  view   read   post   join        moderate manage
    PUBLIC: {
        "owner":           (True, True, True, "join", True, True),
        "admin":           (True, True, True, "join", True, True),
        "moderator":       (True, True, True, "join", True, False),
        "member":          (True, True, True, "join", False, False),
        "newcomer":        (True, True, True, "join", False, False),
        "pending":         (True, True, False, None, False, False),
        "suspended":       (True, True, False, None, False, False),
        "banned":          (True, True, False, None, False, False),
        "outsider":        (True, True, False, None, False, False),
        "anonymous":       (True, True, False, None, False, False),
        "space_member":    (True, True, True, None, False, False),
        "space_moderator": (True, True, True, None, True, False),
        "invited":         (True, True, True, "accept", False, False),
        "requested":       (True, True, True, None, False, False),
        "group_member":    (True, True, True, "join", False, False),
    },
    MEMBERS: {
        "owner":           (True, True, True, "join", True, True),
        "admin":           (True, True, True, "join", True, True),
        "moderator":       (True, True, True, "join", True, False),
        "member":          (True, True, True, "join", False, False),
        "newcomer":        (True, True, True, "join", False, False),
        "pending":         (False, False, False, None, False, False),
        "suspended":       (True, True, False, None, False, False),
        "banned":          (False, False, False, None, False, False),
        "outsider":        (False, False, False, None, False, False),
        "anonymous":       (False, False, False, None, False, False),
        "space_member":    (True, True, True, None, False, False),
        "space_moderator": (True, True, True, None, True, False),
        "invited":         (True, True, True, "accept", False, False),
        "requested":       (True, True, True, None, False, False),
        "group_member":    (True, True, True, "join", False, False),
    },
    PRIVATE: {
        "owner":           (True, True, True, "join", True, True),
        "admin":           (True, True, True, "join", True, True),
        "moderator":       (True, True, False, "join", True, False),
        "member":          (True, False, False, "request", False, False),
        "newcomer":        (True, False, False, "request", False, False),
        "pending":         (False, False, False, None, False, False),
        "suspended":       (True, False, False, None, False, False),
        "banned":          (False, False, False, None, False, False),
        "outsider":        (False, False, False, None, False, False),
        "anonymous":       (False, False, False, None, False, False),
        "space_member":    (True, True, True, None, False, False),
        "space_moderator": (True, True, True, None, True, False),
        "invited":         (True, False, False, "accept", False, False),
        "requested":       (True, False, False, None, False, False),
        "group_member":    (True, False, False, "request", False, False),
    },
    SECRET: {
        "owner":           (True, True, True, "join", True, True),
        "admin":           (True, True, True, "join", True, True),
        "moderator":       (False, False, False, None, False, False),
        "member":          (False, False, False, None, False, False),
        "newcomer":        (False, False, False, None, False, False),
        "pending":         (False, False, False, None, False, False),
        "suspended":       (False, False, False, None, False, False),
        "banned":          (False, False, False, None, False, False),
        "outsider":        (False, False, False, None, False, False),
        "anonymous":       (False, False, False, None, False, False),
        "space_member":    (True, True, True, None, False, False),
        "space_moderator": (True, True, True, None, True, False),
        "invited":         (True, False, False, "accept", False, False),
        "requested":       (False, False, False, None, False, False),
        "group_member":    (False, False, False, None, False, False),
    },
}  # fmt: skip

# --- group-restricted spaces: only group_member is in the group --------------------------------------
# Differences from the baseline, per visibility: persona -> (view, read, post, join_mode, moderate, manage).
GROUP_DIFF: dict[str, dict[str, tuple[bool, bool, bool, str | None, bool, bool]]] = {
    PUBLIC: {
        # Anyone reads; only the group (and admins, and people already in the space) take part.
        "moderator":  (True, True, False, None, True, False),
        "member":     (True, True, False, None, False, False),
        "newcomer":   (True, True, False, None, False, False),
        "requested":  (True, True, False, None, False, False),
        # An invitation lets them in, but they take part only once they accept.
        "invited":    (True, True, False, "accept", False, False),
    },
    MEMBERS: {
        # Community moderators still see and read (to moderate), but neither post nor join.
        "moderator":  (True, True, False, None, True, False),
        "member":     (False, False, False, None, False, False),
        "newcomer":   (False, False, False, None, False, False),
        "suspended":  (False, False, False, None, False, False),
        "requested":  (False, False, False, None, False, False),
        # Invitees see the space they are invited to, and read it once they accept.
        "invited":    (True, False, False, "accept", False, False),
    },
    PRIVATE: {
        "moderator":  (True, True, False, None, True, False),
        "member":     (False, False, False, None, False, False),
        "newcomer":   (False, False, False, None, False, False),
        "suspended":  (False, False, False, None, False, False),
        "requested":  (False, False, False, None, False, False),
    },
    SECRET: {},
}  # fmt: skip

# --- announcement spaces: who may still start posts (when the baseline allows posting at all) -------
POSTERS_WHEN_MODERATORS_ONLY = {"owner", "admin", "moderator", "space_moderator"}


def expected(
    persona: str, visibility: str, *, grouped: bool, moderators_only: bool, archived: bool
) -> dict[str, Any]:
    row = BASELINE[visibility][persona]
    if grouped and persona in GROUP_DIFF[visibility]:
        row = GROUP_DIFF[visibility][persona]
    view, read, post, join, moderate, manage = row
    if moderators_only and persona not in POSTERS_WHEN_MODERATORS_ONLY:
        post = False
    if archived:
        post = False
        join = None
    return {V: view, R: read, P: post, "join_mode": join, M: moderate, G: manage}


def _build_people(space: Space, group: Any) -> dict[str, Any]:
    people: dict[str, Any] = {
        "owner": testing.make_member("olivia", role=Membership.OWNER),
        "admin": testing.make_member("adam", role=Membership.ADMIN),
        "moderator": testing.make_member("mona", role=Membership.MODERATOR),
        "member": testing.make_member("max"),
        "newcomer": testing.make_member("nina", onboarded=False),
        "pending": testing.make_member("pat", state=Membership.PENDING, onboarded=False),
        "suspended": testing.make_member("sam", state=Membership.SUSPENDED),
        "banned": testing.make_member("bo", state=Membership.BANNED),
        "outsider": testing.make_user("otto"),
        "anonymous": None,
        "space_member": testing.make_member("sid"),
        "space_moderator": testing.make_member("sue"),
        "invited": testing.make_member("ivy"),
        "requested": testing.make_member("rex"),
        "group_member": testing.make_member("gus"),
    }
    SpaceMembership.objects.bulk_create(
        [
            SpaceMembership(space=space, user=people["space_member"]),
            SpaceMembership(space=space, user=people["space_moderator"], role=SpaceMembership.MODERATOR),
            SpaceMembership(space=space, user=people["invited"], state=SpaceMembership.INVITED),
            SpaceMembership(space=space, user=people["requested"], state=SpaceMembership.REQUESTED),
        ]
    )
    if group is not None:
        from townhall.community.models import GroupMember

        GroupMember.objects.create(group=group, user=people["group_member"])
    return people


STATES = list(itertools.product(VISIBILITIES, [False, True], [False, True], [False, True]))


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(
    ("visibility", "grouped", "moderators_only", "archived"),
    STATES,
    ids=[
        f"{v}{'-group' if g else ''}{'-announce' if m else ''}{'-archived' if a else ''}"
        for v, g, m, a in STATES
    ],
)
def test_space_rules_table(
    community: Any, visibility: str, grouped: bool, moderators_only: bool, archived: bool
) -> None:
    group = testing.make_group("Berlin chapter") if grouped else None
    space = testing.make_space(
        "Deep sky",
        visibility=visibility,
        group=group,
        posting=Space.MODERATORS if moderators_only else Space.EVERYONE,
        archived_at=timezone.now() if archived else None,
    )
    testing.make_space("Other space", visibility=PUBLIC)  # filters must not confuse spaces
    people = _build_people(space, group)
    mismatches = []
    for persona in PERSONAS:
        g = Guardian(people[persona])
        want = expected(
            persona, visibility, grouped=grouped, moderators_only=moderators_only, archived=archived
        )
        got = {
            V: g.spaces.view.can(space),
            R: g.spaces.read.can(space),
            P: g.spaces.post.can(space),
            "join_mode": g.spaces.join_mode(space),
            M: g.spaces.moderate.can(space),
            G: g.spaces.manage.can(space),
        }
        for rule, value in want.items():
            if got[rule] != value:
                mismatches.append(f"{persona}.{rule}: expected {value!r}, got {got[rule]!r}")
        # The database filters agree with the Python rules.
        in_visible = g.spaces.visible(Space.objects.all()).filter(pk=space.pk).exists()
        in_readable = g.spaces.readable(Space.objects.all()).filter(pk=space.pk).exists()
        if in_visible != got[V]:
            mismatches.append(f"{persona}: visible_spaces={in_visible} but can_view_space={got[V]}")
        if in_readable != got[R]:
            mismatches.append(f"{persona}: readable_spaces={in_readable} but can_read_space={got[R]}")
    assert not mismatches, "\n".join(mismatches)


def _ensure_outcome(fn: Callable[[], Any]) -> str:
    try:
        fn()
    except NotFound:
        return "404"
    except PermissionDenied:
        return "403"
    return "ok"


@pytest.mark.parametrize(
    ("visibility", "grouped", "moderators_only", "archived"),
    STATES,
    ids=[
        f"{v}{'-group' if g else ''}{'-announce' if m else ''}{'-archived' if a else ''}"
        for v, g, m, a in STATES
    ],
)
def test_ensure_forms_match_the_can_forms(
    community: Any, visibility: str, grouped: bool, moderators_only: bool, archived: bool
) -> None:
    """ensure_* raise NotFound exactly when the space is unseen, PermissionDenied when seen but refused."""
    group = testing.make_group("Berlin chapter") if grouped else None
    space = testing.make_space(
        "Deep sky",
        visibility=visibility,
        group=group,
        posting=Space.MODERATORS if moderators_only else Space.EVERYONE,
        archived_at=timezone.now() if archived else None,
    )
    people = _build_people(space, group)
    mismatches = []
    for persona in PERSONAS:
        g = Guardian(people[persona])
        seen = g.spaces.view.can(space)
        pairs = {
            "view": (g.spaces.view.ensure, seen),
            "read": (g.spaces.read.ensure, g.spaces.read.can(space)),
            "post": (g.spaces.post.ensure, g.spaces.post.can(space)),
            "moderate": (g.spaces.moderate.ensure, g.spaces.moderate.can(space)),
            "manage": (g.spaces.manage.ensure, g.spaces.manage.can(space)),
            "join": (g.spaces.join.ensure, g.spaces.join_mode(space) is not None),
            "leave": (g.spaces.leave.ensure, seen and g.spaces.leave.can(space)),
        }
        for rule, (ensure, allowed) in pairs.items():
            outcome = _ensure_outcome(lambda ensure=ensure: ensure(space))
            want = "ok" if allowed else ("403" if seen else "404")
            if outcome != want:
                mismatches.append(f"{persona}.ensure_{rule}: expected {want}, got {outcome}")
    assert not mismatches, "\n".join(mismatches)


def test_join_mode_and_ensure_agree_on_the_mode(member: Any, admin: Any) -> None:
    for visibility, mode in [(PUBLIC, "join"), (MEMBERS, "join"), (PRIVATE, "request")]:
        space = testing.make_space(f"S {visibility}", visibility=visibility)
        guardian = Guardian(member)
        guardian.spaces.join.ensure(space)
        assert guardian.spaces.join_mode(space) == mode
    secret = testing.make_space("Hidden", visibility=SECRET)
    Guardian(admin).spaces.join.ensure(secret)
    assert Guardian(admin).spaces.join_mode(secret) == "join"


@pytest.mark.parametrize(
    ("persona", "reason"),
    [
        ("anonymous", "Sign in"),
        ("suspended", "suspended"),
        ("pending", "Join the community"),
        ("outsider", "Join the community"),
        ("banned", "Join the community"),
    ],
)
def test_post_refusal_reasons_on_a_public_space(
    request: pytest.FixtureRequest, persona: str, reason: str
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if persona == "anonymous":
        request.getfixturevalue("community")
    space = testing.make_space("Open", visibility=PUBLIC)
    refusal = Guardian(user).spaces.post.reason(space)
    assert refusal is not None and reason in refusal
    with pytest.raises(PermissionDenied, match=reason):
        Guardian(user).spaces.post.ensure(space)


def test_space_member_list_is_for_community_members_who_read_the_space(
    member: Any, outsider: Any, community: Any
) -> None:
    public = testing.make_space("Open", visibility=PUBLIC)
    private = testing.make_space("Closed", visibility=PRIVATE)
    assert Guardian(member).spaces.view_members.can(public)
    assert not Guardian(member).spaces.view_members.can(private)
    assert not Guardian(outsider).spaces.view_members.can(public)
    assert not Guardian(None).spaces.view_members.can(public)
    with pytest.raises(PermissionDenied, match="members of the community"):
        Guardian(None).spaces.view_members.ensure(public)
    with pytest.raises(PermissionDenied, match="space's members"):
        Guardian(member).spaces.view_members.ensure(private)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("owner", True),
        ("admin", True),
        ("moderator", False),
        ("member", False),
        ("suspended", False),
        ("outsider", False),
        ("anonymous", False),
    ],
)
def test_create_space_and_manage_sidebar(request: pytest.FixtureRequest, persona: str, allowed: bool) -> None:
    request.getfixturevalue("community")
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    g = Guardian(user)
    assert g.spaces.create.can() is allowed
    assert g.spaces.manage_sidebar.can() is allowed
    for ensure in (g.spaces.create.ensure, g.spaces.manage_sidebar.ensure):
        if allowed:
            ensure()
        else:
            with pytest.raises(PermissionDenied):
                ensure()


def test_suspended_admin_loses_admin_powers(community: Any) -> None:
    user = testing.make_member("sally", role=Membership.ADMIN, state=Membership.SUSPENDED)
    secret = testing.make_space("Hidden", visibility=SECRET)
    g = Guardian(user)
    assert not g.spaces.create.can()
    assert not g.spaces.view.can(secret)
    assert not g.spaces.manage.can(secret)


def test_visible_and_readable_filters_over_many_spaces(member: Any, moderator: Any) -> None:
    """One query each, over a mix of spaces, matching the per-space rules."""
    group = testing.make_group("Mentors", [member])
    spaces = [
        testing.make_space(f"{v}-{bool(grp)}", visibility=v, group=grp)
        for v in VISIBILITIES
        for grp in (None, group)
    ]
    testing.make_space("joined-secret", visibility=SECRET, members=[member])
    spaces = list(Space.objects.all())
    for user in (member, moderator):
        g = Guardian(user)
        visible = set(g.spaces.visible(Space.objects.all()).values_list("pk", flat=True))
        readable = set(g.spaces.readable(Space.objects.all()).values_list("pk", flat=True))
        assert visible == {s.pk for s in spaces if g.spaces.view.can(s)}
        assert readable == {s.pk for s in spaces if g.spaces.read.can(s)}
