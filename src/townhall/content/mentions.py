"""@mentions: turn `@username` in rendered posts and chat messages into profile links, and suggest names
while typing. Discussions and chat both render through here.

Linking happens on the sanitised HTML (after `render_markdown`), only in text outside links, code
and preformatted blocks, and only for people who exist; the ids found are returned so the action can
record them (the notifications issue reads them from the Activity row).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Q
from django.db.models.functions import Lower
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


def render_post(body: str, *, hard_breaks: bool = False) -> tuple[str, list[int]]:
    """Markdown to safe HTML with mentions linked; returns (html, mentioned user ids).

    `hard_breaks=True` keeps every newline as a line break (chat messages; see render_markdown)."""
    return render_posts([body], hard_breaks=hard_breaks)[0]


def render_posts(bodies: Sequence[str], *, hard_breaks: bool = False) -> list[tuple[str, list[int]]]:
    """render_post for many bodies at once (the bulk layers): one query finds everyone mentioned in any
    of them, and a body that appears twice is rendered once."""
    rendered: dict[str, tuple[str, list[str]]] = {}
    for body in bodies:
        if body not in rendered:
            html = render_markdown(body, hard_breaks=hard_breaks)
            names = {m.lower() for m in MENTION.findall(html)} if "@" in html else set()
            rendered[body] = (html, list(names)[:MAX_MENTIONS])
    wanted = {name for _, names in rendered.values() for name in names}
    people = _people(wanted) if wanted else {}
    results: dict[str, tuple[str, list[int]]] = {}
    for body, (html, asked) in rendered.items():
        found = {name: people[name] for name in asked if name in people}
        results[body] = (_link(html, found), sorted(u.pk for u in found.values())) if found else (html, [])
    return [results[body] for body in bodies]


def _people(names: set[str]) -> dict[str, User]:
    """Active people by lower-cased username (the case-insensitive unique index answers it)."""
    found: dict[str, User] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        people = User.objects.annotate(lname=Lower("username")).filter(
            lname__in=chunk, is_active=True, deleted_at__isnull=True
        )
        for user in people:
            found[user.username.lower()] = user
    return found


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
