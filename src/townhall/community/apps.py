from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "townhall.community"
    label = "community"

    def ready(self) -> None:
        from townhall.activity import verbs
        from townhall.community import events, sections
        from townhall.core.registries import (
            HomeSection,
            SidebarLink,
            register_home_section,
            register_sidebar_link,
            signed_in,
        )

        verbs.register(events.VERBS)
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
