from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from townhall.core.registries import sidebar_links_for
from townhall.spaces.queries import add_unread_counts, sidebar_for


def townhall(request: HttpRequest) -> dict[str, Any]:
    """The community, the Guardian and the sidebar (built lazily, only when a template shows it)."""
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

    return {"community": community, "guardian": guardian, "sidebar": sidebar, "sidebar_links": sidebar_links}
