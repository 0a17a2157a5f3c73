"""Changing the community's identity, join policy and screening questions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction

from townhall.activity.log import record_activity
from townhall.activity.payloads import Fields
from townhall.community.actions._common import locked_community
from townhall.community.colors import HEX
from townhall.community.events import CommunityUpdated
from townhall.community.models import Community
from townhall.core.effects import emit, on_commit
from townhall.core.errors import Invalid
from townhall.core.images import ImageRejected, sanitize_image

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_QUESTIONS = 5
MAX_QUESTION_CHARS = 300
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_MAX_PIXELS = 25_000_000
TEXT_LIMITS = {"name": 80, "tagline": 160, "mission": 4000, "values": 4000, "code_of_conduct": 20000}
_UNSET: Any = object()


def clean_screening_questions(questions: list[str] | Any) -> list[str]:
    """Strip blanks; at most 5 questions of at most 300 characters each, else Invalid."""
    if not isinstance(questions, list | tuple):
        raise Invalid(
            "Screening questions must be a list.",
            field_errors={"screening_questions": ["Screening questions must be a list."]},
        )
    cleaned = [str(q).strip() for q in questions if str(q).strip()]
    if len(cleaned) > MAX_QUESTIONS:
        message = f"Ask at most {MAX_QUESTIONS} screening questions."
        raise Invalid(message, field_errors={"screening_questions": [message]})
    for question in cleaned:
        if len(question) > MAX_QUESTION_CHARS:
            message = f"Each screening question can be at most {MAX_QUESTION_CHARS} characters."
            raise Invalid(message, field_errors={"screening_questions": [message]})
    return cleaned


def process_logo(upload: Any) -> ContentFile[bytes]:
    """Check that an upload is a real, reasonably small image and redraw it at most 512px, as PNG
    without metadata (core.images.sanitize_image)."""
    size = getattr(upload, "size", None) or 0
    if size > LOGO_MAX_BYTES:
        raise Invalid(
            "The logo must be at most 2 MB.", field_errors={"logo": ["The logo must be at most 2 MB."]}
        )
    upload.seek(0)
    try:
        image = sanitize_image(
            upload.read(LOGO_MAX_BYTES + 1),
            max_pixels=LOGO_MAX_PIXELS,
            max_side=LOGO_MAX_SIDE,
            output_format="PNG",
            animation=False,
        )
    except ImageRejected as exc:
        message = f"Upload a PNG, JPEG, GIF or WebP image. {exc.message}"
        raise Invalid(message, field_errors={"logo": [message]}) from None
    return ContentFile(image.data, name="logo.png")


def update_community(
    guardian: Guardian,
    community: Community | None = None,
    *,
    name: str = _UNSET,
    tagline: str = _UNSET,
    mission: str = _UNSET,
    values: str = _UNSET,
    code_of_conduct: str = _UNSET,
    logo: Any = _UNSET,
    remove_logo: bool = False,
    accent_color: str = _UNSET,
    landing_public: bool = _UNSET,
    join_policy: str = _UNSET,
    screening_questions: list[str] = _UNSET,
) -> Community:
    """Change any of the community's settings (only the arguments given). Admins only.

    Locks the community row. Text fields are length-checked, the accent colour must be #rrggbb, the
    logo is validated with Pillow and resized (the old file is deleted after commit). Raises PermissionDenied or Invalid; records
    "community.updated" with the names of the changed fields.
    """
    guardian.community.manage.ensure()
    texts = {"name": name, "tagline": tagline, "mission": mission, "values": values}
    texts["code_of_conduct"] = code_of_conduct
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {}
    for field, value in texts.items():
        if value is _UNSET:
            continue
        value = str(value or "").strip()
        if len(value) > TEXT_LIMITS[field]:
            errors[field] = [f"At most {TEXT_LIMITS[field]} characters."]
        changes[field] = value
    if changes.get("name", "x") == "":
        errors["name"] = ["The community needs a name."]
    if accent_color is not _UNSET:
        if not HEX.match(accent_color or ""):
            errors["accent_color"] = ["Use a colour like #3b5bdb."]
        changes["accent_color"] = (accent_color or "").lower()
    if join_policy is not _UNSET:
        if join_policy not in dict(Community.JOIN_POLICIES):
            errors["join_policy"] = ["Choose open, approval or invite."]
        changes["join_policy"] = join_policy
    if landing_public is not _UNSET:
        changes["landing_public"] = bool(landing_public)
    if screening_questions is not _UNSET:
        try:
            changes["screening_questions"] = clean_screening_questions(screening_questions)
        except Invalid as exc:
            errors.update(exc.field_errors)
    logo_file = process_logo(logo) if logo not in (_UNSET, None) else None
    if errors:
        first = next(iter(errors.items()))
        raise Invalid(f"{first[0].replace('_', ' ').capitalize()}: {first[1][0]}", field_errors=errors)

    with transaction.atomic():
        row = locked_community()
        old_logo = row.logo.name if row.logo else ""
        for field, value in changes.items():
            setattr(row, field, value)
        changed = sorted(changes)
        if logo_file is not None:
            row.logo.save(logo_file.name or "logo.png", logo_file, save=False)
            changed.append("logo")
        elif remove_logo and row.logo:
            row.logo = None
            changed.append("logo")
        row.save()
        record_activity(guardian.user, "community.updated", row, data=Fields(sorted(changed)))
        emit(CommunityUpdated(actor_id=guardian.user_id, fields=tuple(sorted(changed))))
        if old_logo and old_logo != (row.logo.name if row.logo else ""):
            storage = row.logo.storage
            on_commit(lambda: storage.delete(old_logo))
    if community is not None and community is not row:
        community.refresh_from_db()
    return row
