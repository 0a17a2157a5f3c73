from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.community import events, notices, sections
        from townhall.core.registries import (
            HomeSection,
            SettingsPage,
            SidebarLink,
            register_home_section,
            register_settings_page,
            register_sidebar_link,
            signed_in,
        )

        verbs.register(events.VERBS)
        notices.register()
        register_home_section(
            HomeSection(
                "new-members", "Say hello to new members", 50, sections.new_members_section, placement="aside"
            )
        )
        register_sidebar_link(SidebarLink("home", "Home", "community:home", 10, shown=signed_in))
        register_sidebar_link(
            SidebarLink(
                "directory",
                "Members",
                "community:directory",
                20,
                shown=lambda g: g.community.view_directory.can(),
            )
        )
        register_sidebar_link(
            SidebarLink(
                "settings",
                "Community settings",
                "community:settings",
                90,
                shown=lambda g: g.community.manage.can(),
            )
        )
        for page in (
            SettingsPage("settings", "Identity and joining", "community:settings", 10, _can("manage")),
            SettingsPage("invitations", "Invitations", "community:invitations", 20, _may_invite),
            SettingsPage(
                "applications", "Applications", "community:applications", 30, _can("review_applications")
            ),
            SettingsPage("members", "Members and roles", "community:members", 40, _can("manage_members")),
            SettingsPage("groups", "Groups", "community:groups", 50, _can("manage_groups")),
        ):
            register_settings_page(page)


def _can(rule: str) -> Callable[[Any], bool]:
    """A settings page shown to whoever the request's Guardian lets through `community.<rule>`."""
    return lambda request: bool(getattr(request.guardian.community, rule).can())


def _may_invite(request: Any) -> bool:
    return bool(request.guardian.community.create_invitation.can(request.community))
