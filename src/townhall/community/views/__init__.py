"""Community pages (HTML and htmx): public, onboarding and the settings pages."""

from townhall.community.views.manage import (
    application_review,
    applications,
    community_settings,
    group_delete,
    group_detail,
    group_member_add,
    group_member_remove,
    groups,
    invitation_revoke,
    invitations,
    member_action,
    members,
    members_bulk,
)
from townhall.community.views.onboarding import join, onboarding
from townhall.community.views.public import (
    accent_css,
    conduct,
    directory,
    home,
    invitation,
    landing,
    leave,
    robots_txt,
)

__all__ = [
    "accent_css",
    "application_review",
    "applications",
    "community_settings",
    "conduct",
    "directory",
    "group_delete",
    "group_detail",
    "group_member_add",
    "group_member_remove",
    "groups",
    "home",
    "invitation",
    "invitation_revoke",
    "invitations",
    "join",
    "landing",
    "leave",
    "member_action",
    "members",
    "members_bulk",
    "onboarding",
    "robots_txt",
]
