from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def townhall(request: HttpRequest) -> dict[str, Any]:
    """The community and the Guardian for every template; the sidebar loads lazily when rendered."""
    guardian = getattr(request, "guardian", None)
    community = getattr(request, "community", None)

    def sidebar() -> Any:
        from townhall.spaces.queries import sidebar_for

        return sidebar_for(guardian) if guardian is not None else []

    return {"community": community, "guardian": guardian, "sidebar": sidebar}
