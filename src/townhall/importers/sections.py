"""The "imported" mark on a placeholder's profile (a ProfileSection): whose history this is and where
it came from, so nobody mistakes it for a member who signed up."""

from __future__ import annotations

from typing import Any

from townhall.core.registries import SectionRender
from townhall.importers.models import Placeholder
from townhall.importers.registry import sources

TEMPLATE = "importers/profile_mark.html"


def imported_mark(request: Any, person: Any) -> SectionRender:
    if person.is_active:  # placeholders are never active; members need no query
        return None
    placeholder = Placeholder.objects.filter(user_id=person.pk).first()
    if placeholder is None:
        return None
    found = sources.get(placeholder.source)
    label = found.label if found is not None else placeholder.source.title()
    may_manage = request.guardian.importers.manage.can() if getattr(request, "guardian", None) else False
    return TEMPLATE, {"placeholder": placeholder, "source_label": label, "may_manage": may_manage}
