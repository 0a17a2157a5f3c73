"""Reads about the community, always scoped by the Guardian and prefetched for a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet

from townhall.accounts.models import Interest, User
from townhall.community.models import Community, Group, Invitation, Membership
from townhall.core.errors import NotFound
from townhall.core.pagination import Page, paginate

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


def managed_members(
    guardian: Guardian, filters: DirectoryFilters, *, state: str = "", cursor: str | None = None
) -> Page:
    """Members for the roles-and-sanctions page: every state, filterable by name and state."""
    qs = guardian.community.visible_members(Membership.objects.select_related("user")).exclude(
        state=Membership.PENDING
    )
    if filters.q:
        text = filters.q.lstrip("@")
        qs = qs.filter(Q(user__username__icontains=text) | Q(user__display_name__icontains=text))
    if state in dict(Membership.STATES):
        qs = qs.filter(state=state)
    if filters.role in Membership.ROLE_RANK:
        qs = qs.filter(role=filters.role)
    return paginate(qs, order=DIRECTORY_ORDER, cursor=cursor, limit=50)
