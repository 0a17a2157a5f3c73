"""The "Message" button on a profile (a ProfileSection), shown when the viewer may write to the person."""

from __future__ import annotations

from typing import Any

from townhall.core.registries import SectionRender
from townhall.policy.request import guardian_of

TEMPLATE = "chat/direct_profile.html"


def message_button(request: Any, person: Any) -> SectionRender:
    guardian = guardian_of(request)
    if guardian.user is None or person.pk == guardian.user_id:
        return None
    refusal = guardian.direct.message.reason(person)
    return TEMPLATE, {"person": person, "message_refusal": refusal}
