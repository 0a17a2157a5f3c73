from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from townhall.core.registries import account_settings_pages_in_order, settings_pages_for, sidebar_links_for
from townhall.spaces.queries import add_unread_counts, sidebar_for


def townhall(request: HttpRequest) -> dict[str, Any]:
    """The community, the Guardian, the sidebar and the settings pages (built lazily, when shown)."""
    guardian = getattr(request, "guardian", None)
    community = getattr(request, "community", None)

    def sidebar() -> Any:
        if guardian is None:
            return []
        groups = sidebar_for(guardian)
        add_unread_counts(guardian, [space for group in groups for space in group.spaces])
        return groups

    def sidebar_links() -> Any:
        return sidebar_links_for(guardian)

    def settings_pages() -> Any:
        return settings_pages_for(request)

    return {
        "account_settings_pages": account_settings_pages_in_order,
        "community": community,
        "guardian": guardian,
        "sidebar": sidebar,
        "sidebar_links": sidebar_links,
        "settings_pages": settings_pages,
    }
