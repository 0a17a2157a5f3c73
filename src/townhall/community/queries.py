"""Reads about the community, always scoped by the Guardian and prefetched for a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from townhall.accounts.models import Interest, User
from townhall.community.models import Community, Group, Invitation, Membership
from townhall.core.errors import NotFound
from townhall.core.pagination import Page, paginate
from townhall.core.registries import member_stats

if TYPE_CHECKING:
    from townhall.policy import Guardian

DIRECTORY_ORDER = ("user__username", "id")
LISTED_STATES = [Membership.ACTIVE, Membership.SUSPENDED]


def get_community() -> Community:
    """The installation's community; an unsaved default until the owner (or the demo) sets one up."""
    community = Community.objects.filter(pk=1).first()
    return community or Community(pk=1, name="Townhall")


@dataclass
class DirectoryFilters:
    q: str = ""
    interest: str = ""
    location: str = ""
    role: str = ""
    group: str = ""

    @classmethod
    def from_params(cls, params: Any) -> DirectoryFilters:
        def get(name: str, limit: int) -> str:
            return str(params.get(name) or "").strip()[:limit]

        return cls(
            q=get("q", 100),
            interest=get("interest", 50),
            location=get("location", 100),
            role=get("role", 10),
            group=get("group", 90),
        )

    @property
    def active(self) -> bool:
        return any((self.q, self.interest, self.location, self.role, self.group))


def _member_rows() -> QuerySet[Membership]:

    return Membership.objects.select_related("user").prefetch_related(
        Prefetch("user__interests", queryset=Interest.objects.order_by("name")),
        Prefetch("user__member_groups", queryset=Group.objects.order_by("name")),
    )


def search_members(guardian: Guardian, filters: DirectoryFilters) -> QuerySet[Membership]:
    """Members listed in the directory that match the filters (name/@username, interest, location, role, group)."""
    qs = guardian.community.visible_members(_member_rows()).filter(state__in=LISTED_STATES)
    if filters.q:
        text = filters.q.lstrip("@")
        qs = qs.filter(Q(user__username__icontains=text) | Q(user__display_name__icontains=text))
    if filters.interest:
        qs = qs.filter(user__interests__slug=filters.interest)
    if filters.location:
        qs = qs.filter(user__location__icontains=filters.location)
    if filters.role in Membership.ROLE_RANK:
        qs = qs.filter(role=filters.role)
    if filters.group:
        qs = qs.filter(user__member_groups__slug=filters.group)
    return qs


def directory_page(
    guardian: Guardian, filters: DirectoryFilters, *, cursor: str | None, limit: int = 30
) -> Page:
    """One page of the directory, alphabetical by @username (keyset pagination)."""
    return paginate(search_members(guardian, filters), order=DIRECTORY_ORDER, cursor=cursor, limit=limit)


def members_like_you(guardian: Guardian, *, limit: int = 6) -> list[Membership]:
    """Other members ranked by how many interests they share with this person (each has `.shared`)."""
    if guardian.user is None or not guardian.community.view_directory.can():
        return []

    mine = Interest.objects.filter(users=guardian.user).values("pk")
    qs = (
        guardian.community.visible_members(Membership.objects.select_related("user"))
        .filter(state__in=LISTED_STATES)
        .exclude(user_id=guardian.user.pk)
        .annotate(shared=Count("user__interests", filter=Q(user__interests__in=mine), distinct=True))
        .filter(shared__gt=0)
        .order_by("-shared", "user__username", "id")
    )
    return list(qs[:limit])


def directory_options() -> dict[str, Any]:
    """What the directory's filters offer: interests people actually have, groups, roles."""

    interests = list(
        Interest.objects.annotate(n=Count("users"))
        .filter(n__gt=0)
        .order_by("name")
        .values("slug", "name")[:200]
    )
    groups = list(Group.objects.order_by("name").values("slug", "name")[:200])
    return {"interests": interests, "groups": groups, "roles": Membership.ROLES}


def new_members(guardian: Guardian, *, limit: int = 6) -> list[Membership]:
    """The most recently joined active members (the viewer left out), introduced or not: one query."""
    if not guardian.community.view_directory.can():
        return []
    qs = (
        guardian.community.visible_members(Membership.objects.select_related("user"))
        .filter(state=Membership.ACTIVE, joined_at__isnull=False, user__is_active=True)
        .order_by("-joined_at", "-id")
    )
    if guardian.user_id is not None:
        qs = qs.exclude(user_id=guardian.user_id)
    return list(qs[:limit])


def get_member_or_404(guardian: Guardian, username: str) -> Membership:
    """A person's membership by @username (any case), or NotFound when missing or unseen."""
    membership = (
        _member_rows()
        .filter(user__username__iexact=(username or "").lstrip("@")[:150], user__is_active=True)
        .first()
    )
    if membership is None or not guardian.community.view_profile.can(membership.user):
        raise NotFound("No such member")
    return membership


def get_membership_by_id_or_404(guardian: Guardian, membership_id: int) -> Membership:
    membership = Membership.objects.select_related("user").filter(pk=membership_id).first()
    if (
        membership is None
        or not guardian.community.visible_members(Membership.objects.filter(pk=membership_id)).exists()
    ):
        raise NotFound("No such member")
    return membership


def pending_applications(guardian: Guardian) -> QuerySet[Membership]:
    if not guardian.community.review_applications.can():
        return Membership.objects.none()
    return (
        Membership.objects.select_related("user")
        .filter(state=Membership.PENDING)
        .order_by("created_at", "id")
    )


def pending_application_count(guardian: Guardian) -> int:
    if not guardian.community.review_applications.can():
        return 0
    return Membership.objects.filter(state=Membership.PENDING).count()


def list_invitations(guardian: Guardian, *, limit: int = 100) -> list[Invitation]:
    """Invitations this person may manage: all of them for moderators, their own for members."""
    qs = guardian.community.visible_invitations(
        Invitation.objects.select_related("created_by", "group", "space")
    )
    return list(qs.order_by("-created_at", "-id")[:limit])


def get_invitation_or_404(guardian: Guardian, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None or not guardian.community.revoke_invitation.can(invitation):
        raise NotFound("No such invitation")
    return invitation


def get_invitation_by_token_or_404(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("created_by", "group", "space").filter(token=token[:64]).first()
    )
    if invitation is None:
        raise NotFound("No such invitation")
    return invitation


def list_groups() -> QuerySet[Group]:
    return Group.objects.annotate(member_count=Count("members")).order_by("name")


def get_group_or_404(slug: str) -> Group:
    group = Group.objects.filter(slug=slug).first()
    if group is None:
        raise NotFound("No such group")
    return group


def group_members(group: Group) -> list[Any]:

    return list(User.objects.filter(member_groups=group).order_by("username")[:500])


@dataclass
class MemberTableQuery:
    """What the members admin table shows: search, filters, sort and page, parsed from the query string."""

    q: str = ""
    role: str = ""
    group: str = ""
    state: str = ""
    sort: str = "joined"
    page: int = 1

    @classmethod
    def from_params(cls, params: Any) -> MemberTableQuery:
        def get(name: str, limit: int) -> str:
            return str(params.get(name) or "").strip()[:limit]

        sort = get("sort", 40)
        try:
            page = max(1, min(int(get("page", 6) or 1), 100_000))
        except ValueError:
            page = 1
        return cls(
            q=get("q", 100),
            role=get("role", 10) if get("role", 10) in Membership.ROLE_RANK else "",
            group=get("group", 90),
            state=get("state", 10) if get("state", 10) in dict(Membership.STATES) else "",
            sort=sort if sort in member_sorts() else "joined",
            page=page,
        )

    @property
    def filtered(self) -> bool:
        return any((self.q, self.role, self.group, self.state))


MEMBER_TABLE_PAGE = 50


def member_sorts() -> dict[str, tuple[str, list[Any]]]:
    """sort key -> (label, ORDER BY): the built-in ones plus one per registered member stat."""
    sorts: dict[str, tuple[str, list[Any]]] = {
        "joined": ("Newest members", [F("joined_at").desc(nulls_last=True), F("id").desc()]),
        "joined-oldest": ("Oldest members", [F("joined_at").asc(nulls_last=True), F("id").asc()]),
        "seen": ("Last seen", [F("user__last_login").desc(nulls_last=True), F("id").desc()]),
        "name": ("Username", [Lower("user__username").asc(), F("id").asc()]),
    }
    for stat in member_stats:
        sorts[stat.key] = (f"Most {stat.label.lower()}", [F(f"stat_{stat.key}").desc(), F("id").desc()])
    return sorts


@dataclass
class MemberTable:
    rows: list[Membership]  # each with `stats`: [(label, value)] in registry order
    total: int
    page: int
    pages: int
    stat_labels: list[str]
    show_email: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def member_table(
    guardian: Guardian, query: MemberTableQuery, *, per_page: int = MEMBER_TABLE_PAGE
) -> MemberTable:
    """One page of the members admin table: every state but pending (applications have their own page).

    Search by name or @username, and by email for those the Guardian lets see emails; filter by role,
    group and state; sort by join date, last sign-in, username or a registered member stat (posts...).
    Fixed queries: the count, the page (stats computed in SQL), the rows' groups.
    """
    show_email = guardian.community.view_member_emails.can()
    qs = guardian.community.visible_members(Membership.objects.all()).exclude(state=Membership.PENDING)
    if query.q:
        text = query.q.lstrip("@")
        condition = Q(user__username__icontains=text) | Q(user__display_name__icontains=text)
        if show_email:
            condition |= Q(user__email__icontains=text)
        qs = qs.filter(condition)
    if query.role:
        qs = qs.filter(role=query.role)
    if query.state:
        qs = qs.filter(state=query.state)
    if query.group:
        qs = qs.filter(user__member_groups__slug=query.group)
    total = qs.count()
    pages = max(1, -(-total // per_page))
    page = min(query.page, pages)
    stats = list(member_stats)
    rows_qs = (
        qs.select_related("user")
        .prefetch_related(Prefetch("user__member_groups", queryset=Group.objects.order_by("name")))
        .annotate(**{f"stat_{stat.key}": stat.expression() for stat in stats})
        .order_by(*member_sorts()[query.sort][1])
    )
    rows = list(rows_qs[(page - 1) * per_page : page * per_page])
    for row in rows:
        row.stats = [(stat.label, getattr(row, f"stat_{stat.key}")) for stat in stats]  # type: ignore[attr-defined]
    return MemberTable(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        stat_labels=[stat.label for stat in stats],
        show_email=show_email,
    )


def memberships_by_ids(guardian: Guardian, ids: list[int]) -> list[Membership]:
    """The memberships with these ids that the Guardian lets this person see (others are left out,
    exactly like missing ones), in the order asked, with their user."""
    rows = guardian.community.visible_members(Membership.objects.select_related("user")).filter(pk__in=ids)
    by_id = {row.pk: row for row in rows}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def list_group_choices() -> list[Group]:
    return list(Group.objects.order_by("name")[:500])
