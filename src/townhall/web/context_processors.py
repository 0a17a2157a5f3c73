from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from townhall.discussions.unread import unread_topics_by_space
from townhall.spaces.queries import sidebar_for


def townhall(request: HttpRequest) -> dict[str, Any]:
    """The community and the Guardian for every template; the sidebar loads lazily when rendered."""
    guardian = getattr(request, "guardian", None)
    community = getattr(request, "community", None)

    def sidebar() -> Any:
        if guardian is None:
            return []
        groups = sidebar_for(guardian)
        spaces = [space for group in groups for space in group.spaces]
        unread = unread_topics_by_space(guardian, [space.pk for space in spaces])
        for space in spaces:
            space.unread_count = unread.get(space.pk, 0)  # type: ignore[attr-defined]  # display only
        return groups

    return {"community": community, "guardian": guardian, "sidebar": sidebar}
