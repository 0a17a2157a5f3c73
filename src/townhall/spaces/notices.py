"""The notifications that spaces cause (registered in SpacesConfig.ready()): a request to join a
private space tells those who decide it (the space's moderators, and the community's moderators and
admins who may read the space), and its approval tells the person who asked ("request_approved", a
kind the community app uses too for approved applications).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from townhall.community.models import Membership
from townhall.notifications import kinds
from townhall.notifications.checks import register_target, target_visible
from townhall.notifications.kinds import Kind, Notice
from townhall.spaces.events import SpaceMembershipChanged
from townhall.spaces.models import Space, SpaceMembership

DECIDERS = (Membership.OWNER, Membership.ADMIN, Membership.MODERATOR)

KINDS = [
    Kind("space_request", "Requests to join spaces you moderate", "🚪",
         "{actor} asked to join {title}", still_visible=target_visible, order=80),
    Kind("request_approved", "Your requests approved", "🎉", "You are in: {title}",
         still_visible=target_visible, order=90),
]  # fmt: skip


def register() -> None:
    """From SpacesConfig.ready()."""
    for kind in KINDS:
        kinds.register(kind)
    register_target("space-request", request_pending)
    register_target("space", space_readable)
    kinds.on(SpaceMembershipChanged, membership_changed, name="spaces.membership_changed")


def request_pending(guardian: Any, row_id: int) -> bool:
    """The request is still waiting, and the recipient may still decide it."""
    row = SpaceMembership.objects.select_related("space").filter(pk=row_id).first()
    if row is None or row.state != SpaceMembership.REQUESTED:
        return False
    return guardian.spaces.moderate.can(row.space)


def space_readable(guardian: Any, space_id: int) -> bool:
    space = Space.objects.filter(pk=space_id).first()
    return space is not None and guardian.spaces.read.can(space)


def _deciders(space: Space) -> set[int]:
    """Space moderators and community moderators (the fan-out keeps those who may read the space)."""
    space_mods = SpaceMembership.objects.filter(
        space_id=space.pk, state=SpaceMembership.ACTIVE, role=SpaceMembership.MODERATOR
    ).values_list("user_id", flat=True)
    community_mods = Membership.objects.filter(state=Membership.ACTIVE, role__in=DECIDERS).values_list(
        "user_id", flat=True
    )
    return set(space_mods) | set(community_mods)


def membership_changed(event: SpaceMembershipChanged) -> list[Notice]:
    if event.op not in ("requested", "approved"):
        return []
    row = (
        SpaceMembership.objects.select_related("space")
        .filter(space_id=event.space_id, user_id=event.user_id)
        .first()
    )
    if row is None:
        return []
    space = row.space
    if event.op == "requested":
        if row.state != SpaceMembership.REQUESTED:
            return []
        return [
            Notice(
                kind="space_request",
                recipient_ids=sorted(_deciders(space)),
                source_key=f"space-request:{row.pk}",
                url=reverse("spaces:members", args=[space.slug]),
                actor_id=event.user_id,
                space_id=space.pk,
                target=f"space-request:{row.pk}",
                data={"title": space.name},
            )
        ]
    if row.state != SpaceMembership.ACTIVE:
        return []
    return [
        Notice(
            kind="request_approved",
            recipient_ids=[event.user_id],
            source_key=f"space-approved:{row.pk}",
            url=reverse("spaces:detail", args=[space.slug]),
            actor_id=event.actor_id,
            space_id=space.pk,
            target=f"space:{space.pk}",
            data={"title": space.name},
        )
    ]
