"""@mentions: turn `@username` in rendered posts into profile links, and suggest names while typing.

Linking happens on the sanitised HTML (after `render_markdown`), only in text outside links, code
and preformatted blocks, and only for people who exist; the ids found are returned so the action can
record them (the notifications issue reads them from the Activity row).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape

from townhall.accounts.models import User
from townhall.community.models import Membership
from townhall.core.markdown import render_markdown

if TYPE_CHECKING:
    from townhall.policy import Guardian

MENTION = re.compile(r"(?<![\w@/.&])@([A-Za-z0-9_]{3,30})\b")
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"a", "code", "pre"}
MAX_MENTIONS = 20
MAX_SUGGESTIONS = 8


def render_post(body: str) -> tuple[str, list[int]]:
    """Markdown to safe HTML with mentions linked; returns (html, mentioned user ids)."""
    html = render_markdown(body)
    names = {m.lower() for m in MENTION.findall(html)}
    if not names:
        return html, []

    wanted = list(names)[:MAX_MENTIONS]
    condition = Q()
    for name in wanted:
        condition |= Q(username__iexact=name)
    people = {
        u.username.lower(): u for u in User.objects.filter(condition, is_active=True, deleted_at__isnull=True)
    }
    if not people:
        return html, []
    return _link(html, people), sorted(u.pk for u in people.values())


def _link(html: str, people: dict[str, User]) -> str:
    out: list[str] = []
    skip_depth = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if name in _SKIP:
                skip_depth += -1 if part.startswith("</") else 1
                skip_depth = max(skip_depth, 0)
            out.append(part)
            continue
        if skip_depth:
            out.append(part)
            continue

        def replace(match: re.Match[str]) -> str:
            person = people.get(match.group(1).lower())
            if person is None:
                return match.group(0)
            url = reverse("accounts:profile", args=[person.username])
            return f'<a class="mention" href="{escape(url)}">@{escape(person.username)}</a>'

        out.append(MENTION.sub(replace, part))
    return "".join(out)


def suggest(guardian: Guardian, prefix: str) -> list[User]:
    """Members whose username or display name starts with `prefix`, as this person may see them."""

    prefix = prefix.strip().lstrip("@")[:30]
    if not prefix or not guardian.can_read_as_member:
        return []
    visible = guardian.community.visible_members(Membership.objects.all()).values("user_id")
    return list(
        User.objects.filter(pk__in=visible)
        .filter(Q(username__istartswith=prefix) | Q(display_name__istartswith=prefix))
        .order_by("username")[:MAX_SUGGESTIONS]
    )
