"""Reactions from the admin-chosen set, for anything people react to (discussion posts, chat messages).

Each app keeps its own table (a row per target, person and emoji, unique together) and its own action
(Guardian rule, Activity verb, broadcast); what they share lives here, written once:

- which emoji may be given (`clean_emoji`, against `reaction_choices()`, the admins' set);
- adding, removing and toggling a row (`ReactionTable`: idempotent add, remove that says whether
  there was one);
- the grouped tally a page shows ("🔭 3", who reacted, whether the reader is among them), for many
  targets in one query (`ReactionTable.tallies`);
- the reaction bar's markup (`reaction_bar`: a plain form per emoji, enhanced by htmx).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.html import escape

from townhall.core.errors import Invalid
from townhall.discussions.models import ReactionChoice, reaction_choices

NOT_AVAILABLE = "That reaction is not available here."


@dataclass
class ReactionSummary:
    """One emoji on one target: how many gave it, their names (oldest first), and whether the reader did."""

    emoji: str
    label: str
    count: int = 0
    names: list[str] = field(default_factory=list)
    mine: bool = False


def allowed_emoji() -> list[str]:
    return [choice.emoji for choice in reaction_choices()]


def clean_emoji(emoji: str) -> str:
    """The emoji when it is in the admins' set; Invalid (with a field error) otherwise."""
    if emoji not in allowed_emoji():
        raise Invalid(NOT_AVAILABLE, field_errors={"emoji": ["Not an available reaction."]})
    return emoji


def group(
    rows: Iterable[tuple[int, str, int, str, str]], *, choices: list[ReactionChoice], viewer_id: int | None
) -> dict[int, list[ReactionSummary]]:
    """(target_id, emoji, user_id, username, display_name) rows, oldest first, grouped per target and
    emoji in the order of the admins' set (an emoji no longer offered goes last, with its own label)."""
    labels = {c.emoji: c.label for c in choices}
    order = {c.emoji: i for i, c in enumerate(choices)}
    grouped: dict[int, dict[str, ReactionSummary]] = defaultdict(dict)
    for target_id, emoji, user_id, username, display_name in rows:
        summary = grouped[target_id].get(emoji)
        if summary is None:
            summary = grouped[target_id][emoji] = ReactionSummary(emoji=emoji, label=labels.get(emoji, emoji))
        summary.count += 1
        summary.names.append(display_name or username)
        if viewer_id is not None and user_id == viewer_id:
            summary.mine = True
    return {
        tid: sorted(by_emoji.values(), key=lambda s: order.get(s.emoji, len(order)))
        for tid, by_emoji in grouped.items()
    }


@dataclass(frozen=True)
class ReactionTable:
    """An app's reaction table: `model` has `user`, `emoji`, `created_at` and a foreign key `target` (the
    field's name: "post", "message") to what is reacted to, unique together with user and emoji."""

    model: type[models.Model]
    target: str

    def _rows(self, target_id: int, user_id: int, emoji: str) -> models.QuerySet[Any]:
        manager = self.model._default_manager
        return manager.filter(**{f"{self.target}_id": target_id, "user_id": user_id, "emoji": emoji})

    def given(self, *, target_id: int, user_id: int, emoji: str) -> bool:
        return self._rows(target_id, user_id, emoji).exists()

    def add(self, *, target_id: int, user_id: int, emoji: str) -> tuple[Any, bool]:
        """The row, and True when it is new (a second add of the same reaction changes nothing)."""
        lookup: dict[str, Any] = {f"{self.target}_id": target_id, "user_id": user_id, "emoji": emoji}
        return self.model._default_manager.get_or_create(**lookup)

    def remove(self, *, target_id: int, user_id: int, emoji: str) -> bool:
        """True when there was such a reaction to remove."""
        deleted, _ = self._rows(target_id, user_id, emoji).delete()
        return bool(deleted)

    def tallies(
        self, target_ids: list[int], *, choices: list[ReactionChoice], viewer_id: int | None
    ) -> dict[int, list[ReactionSummary]]:
        """Reactions grouped per target and emoji, with who reacted: one query, whatever their number."""
        if not target_ids:
            return {}
        rows = (
            self.model._default_manager.filter(**{f"{self.target}_id__in": target_ids})
            .order_by(f"{self.target}_id", "created_at", "id")
            .values_list(f"{self.target}_id", "emoji", "user_id", "user__username", "user__display_name")
        )
        return group(rows, choices=choices, viewer_id=viewer_id)


def toggle(table: ReactionTable, *, target_id: int, user_id: int, emoji: str, add: Callable[[], object],
           remove: Callable[[], object]) -> bool:  # fmt: skip
    """Call the app's `remove` action when the person has given this reaction, its `add` action
    otherwise; True when the reaction is now there."""
    if table.given(target_id=target_id, user_id=user_id, emoji=emoji):
        remove()
        return False
    add()
    return True


# --- the reaction bar ------------------------------------------------------------------------------
def picker_icon() -> str:
    """The picker's icon (drawn by content.css) and its name for screen readers."""
    return (
        '<span class="icon icon-react" aria-hidden="true"></span><span class="visually-hidden">React</span>'
    )


def reaction_bar(
    *, dom_id: str, url: str, summaries: list[ReactionSummary], choices: list[ReactionChoice], csrf_input: str
) -> str:
    """The reactions under a post or message, escaped: one plain form per given emoji (pressing it adds or
    takes back the reader's), who reacted, and a picker with the whole set. `url` is "" when the reader
    may not react: the tally is shown without forms. htmx swaps the bar (`#dom_id`) with the answer.

    Built in Python because discussions renders it for every post on its hot path (see
    discussions/render.py); chat uses it through `{% reaction_bar %}` (content_tags)."""
    target = escape(dom_id)
    out: list[str] = [f'<div class="reactions row" id="{target}">\n']
    a = out.append
    htmx = f'hx-post="{escape(url)}" hx-target="#{target}" hx-swap="outerHTML"'
    for summary in summaries:
        emoji = escape(summary.emoji)
        label = escape(summary.label)
        title = f"{label}: {escape(', '.join(summary.names))}"
        inner = (
            f'<span aria-hidden="true">{emoji}</span> {summary.count}'
            f'<span class="visually-hidden"> {label}</span>'
        )
        if url:
            mine = " reaction-mine" if summary.mine else ""
            pressed = "true" if summary.mine else "false"
            a(
                f'  <form method="post" action="{escape(url)}" class="inline-form" {htmx}>{csrf_input}\n'
                f'    <button type="submit" name="emoji" value="{emoji}" class="reaction{mine}" '
                f'aria-pressed="{pressed}" title="{title}">{inner}</button>\n  </form>\n'
            )
        else:
            a(f'  <span class="reaction" title="{title}">{inner}</span>\n')
    if summaries:
        a('  <details class="who-reacted small"><summary>Who reacted</summary>\n    <ul>')
        for summary in summaries:
            a(
                f'<li><span aria-hidden="true">{escape(summary.emoji)}</span> {escape(summary.label)}: '
                f"{escape(', '.join(summary.names))}</li>"
            )
        a("</ul>\n  </details>\n")
    if url:
        a(
            f'  <details class="react-picker small"><summary title="React">{picker_icon()}</summary>\n'
            f'    <form method="post" action="{escape(url)}" class="row" {htmx}>{csrf_input}\n'
        )
        for choice in choices:
            emoji, label = escape(choice.emoji), escape(choice.label)
            a(
                f'<button type="submit" name="emoji" value="{emoji}" class="reaction" title="{label}">'
                f'<span aria-hidden="true">{emoji}</span><span class="visually-hidden">{label}</span></button>'
            )
        a("\n    </form>\n  </details>\n")
    a("</div>\n")
    return "".join(out)
