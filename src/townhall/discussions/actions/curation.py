"""The admins' curation of discussions, from the community settings: the reaction set and the tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.text import slugify

from townhall.activity.log import record_activity
from townhall.activity.payloads import Direction, Name
from townhall.core.errors import Invalid
from townhall.discussions.actions._common import _write_limit, clean_tags
from townhall.discussions.events import ReactionChoiceData, TagMergedData, TagRenamedData
from townhall.discussions.models import (
    DEFAULT_REACTIONS,
    ReactionChoice,
    Tag,
    Topic,
    TopicTag,
    forget_reaction_choices,
)

if TYPE_CHECKING:
    from townhall.policy import Guardian

MAX_REACTIONS = 12
EMOJI_MAX = 16
LABEL_MAX = 40


# --- the reaction set ----------------------------------------------------------------------------
def _materialize_defaults() -> None:
    """While the table is empty members see the defaults: store them before the first change, so that
    adding one reaction does not take the other six away."""
    if not ReactionChoice.objects.exists():
        ReactionChoice.objects.bulk_create(
            [
                ReactionChoice(emoji=e, label=label, position=i)
                for i, (e, label) in enumerate(DEFAULT_REACTIONS)
            ]
        )
        forget_reaction_choices()


def _invalid(field: str, message: str) -> Invalid:
    return Invalid(message, field_errors={field: [message]})


def add_reaction_choice(guardian: Guardian, *, emoji: str, label: str) -> ReactionChoice:
    """Offer one more reaction, at the end of the set. Admins only.

    Errors: PermissionDenied; Invalid (empty, too long, contains spaces or letters, already offered, or
    MAX_REACTIONS reached). Locks the set (its rows) while it counts and appends. Records
    "reaction_choice.added".
    """
    guardian.discussions.manage_reactions.ensure()
    _write_limit(guardian)
    emoji, label = (emoji or "").strip(), " ".join((label or "").split())
    if not emoji:
        raise _invalid("emoji", "Give the emoji.")
    if len(emoji) > EMOJI_MAX or any(ch.isspace() or ch.isalnum() for ch in emoji):
        raise _invalid("emoji", "Use one emoji, without letters, digits or spaces.")
    if not label:
        raise _invalid("label", "Give the reaction a name (read out by screen readers).")
    if len(label) > LABEL_MAX:
        raise _invalid("label", f"Keep the name under {LABEL_MAX} characters.")
    with transaction.atomic():
        _materialize_defaults()
        rows = list(ReactionChoice.objects.select_for_update().order_by("position", "id"))
        if any(row.emoji == emoji for row in rows):
            raise _invalid("emoji", "That reaction is already offered.")
        if len(rows) >= MAX_REACTIONS:
            raise _invalid("emoji", f"Offer at most {MAX_REACTIONS} reactions; remove one first.")
        position = (rows[-1].position + 1) if rows else 0
        try:
            with transaction.atomic():
                choice = ReactionChoice.objects.create(emoji=emoji, label=label, position=position)
        except IntegrityError:
            raise _invalid("emoji", "That reaction is already offered.") from None
        record_activity(guardian.user, "reaction_choice.added", choice, data=ReactionChoiceData(emoji, label))
    return choice


def remove_reaction_choice(guardian: Guardian, choice: ReactionChoice) -> None:
    """Stop offering a reaction. Reactions already given stay on their posts (shown with the emoji as
    their name). Admins only; the last reaction cannot go (Invalid). Records "reaction_choice.removed"."""
    guardian.discussions.manage_reactions.ensure()
    _write_limit(guardian)
    with transaction.atomic():
        _materialize_defaults()
        rows = list(ReactionChoice.objects.select_for_update().order_by("position", "id"))
        row = next((r for r in rows if r.emoji == choice.emoji), None)
        if row is None:
            raise Invalid("That reaction is not offered any more.")
        if len(rows) == 1:
            raise Invalid("Keep at least one reaction.")
        record_activity(
            guardian.user, "reaction_choice.removed", row, data=ReactionChoiceData(row.emoji, row.label)
        )
        row.delete()


def move_reaction_choice(guardian: Guardian, choice: ReactionChoice, *, direction: str) -> None:
    """Move a reaction one place "up" (earlier) or "down" in the set; at an end it stays put. Admins only.
    Renumbers the set under a lock. Records "reaction_choice.moved"."""
    guardian.discussions.manage_reactions.ensure()
    _write_limit(guardian)
    if direction not in ("up", "down"):
        raise _invalid("direction", "Move it up or down.")
    with transaction.atomic():
        _materialize_defaults()
        rows = list(ReactionChoice.objects.select_for_update().order_by("position", "id"))
        index = next((i for i, r in enumerate(rows) if r.emoji == choice.emoji), None)
        if index is None:
            raise Invalid("That reaction is not offered any more.")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
        for position, row in enumerate(rows):
            if row.position != position:
                row.position = position
                row.save(update_fields=["position"])  # post_save clears the cached set
        moved = next(r for r in rows if r.emoji == choice.emoji)
        record_activity(guardian.user, "reaction_choice.moved", moved, data=Direction(direction))


# --- tags ----------------------------------------------------------------------------------------
def _clean_tag_name(name: str) -> str:
    names = clean_tags([name])
    if not names:
        raise _invalid("name", "Give the tag a name.")
    return names[0]


def _bump_topics(topic_ids: list[int]) -> None:
    """Topic pages show their tags: a new version keeps cached copies from showing the old ones."""
    Topic.objects.filter(pk__in=topic_ids).update(version=F("version") + 1)


def rename_tag(guardian: Guardian, tag: Tag, *, name: str) -> Tag:
    """Give a tag a new name (its slug, and so its links, follow). Admins only.

    Errors: PermissionDenied; Invalid (an unusable name, or one another tag has: merge them instead).
    Records "tag.renamed".
    """
    guardian.discussions.manage_tags.ensure()
    _write_limit(guardian)
    name = _clean_tag_name(name)
    slug = slugify(name)[:50]
    with transaction.atomic():
        row = Tag.objects.select_for_update().get(pk=tag.pk)
        clash = Tag.objects.exclude(pk=row.pk).filter(slug=slug).first()
        clash = clash or Tag.objects.exclude(pk=row.pk).filter(name__iexact=name).first()
        if clash is not None:
            raise _invalid("name", f"“{clash.name}” already exists: merge the two tags instead.")
        old = row.name
        row.name, row.slug = name, slug
        row.save(update_fields=["name", "slug"])
        _bump_topics(list(TopicTag.objects.filter(tag=row).values_list("topic_id", flat=True)))
        record_activity(guardian.user, "tag.renamed", row, data=TagRenamedData(old, name))
    return row


def merge_tags(guardian: Guardian, source: Tag, *, into: Tag) -> Tag:
    """Move every topic of `source` to `into` and delete `source` (topics that had both keep one).
    Admins only. Errors: PermissionDenied; Invalid (a tag merged into itself). Locks both tags.
    Records "tag.merged" on the tag that stays."""
    guardian.discussions.manage_tags.ensure()
    _write_limit(guardian)
    if source.pk == into.pk:
        raise _invalid("into", "Choose another tag to merge into.")
    with transaction.atomic():
        locked = {t.pk: t for t in Tag.objects.select_for_update().filter(pk__in=[source.pk, into.pk])}
        if len(locked) != 2:
            raise Invalid("One of the tags no longer exists.")
        moved = list(TopicTag.objects.filter(tag_id=source.pk).values_list("topic_id", flat=True))
        already = set(
            TopicTag.objects.filter(tag_id=into.pk, topic_id__in=moved).values_list("topic_id", flat=True)
        )
        TopicTag.objects.bulk_create(
            [TopicTag(topic_id=t, tag_id=into.pk) for t in moved if t not in already]
        )
        TopicTag.objects.filter(tag_id=source.pk).delete()
        _bump_topics(moved)
        name = locked[source.pk].name
        locked[source.pk].delete()
        target = locked[into.pk]
        record_activity(guardian.user, "tag.merged", target, data=TagMergedData(name, len(moved)))
    return target


def delete_tag(guardian: Guardian, tag: Tag) -> None:
    """Delete a tag; its topics simply lose it. Admins only. Records "tag.deleted"."""
    guardian.discussions.manage_tags.ensure()
    _write_limit(guardian)
    with transaction.atomic():
        row = Tag.objects.select_for_update().filter(pk=tag.pk).first()
        if row is None:
            raise Invalid("That tag no longer exists.")
        _bump_topics(list(TopicTag.objects.filter(tag=row).values_list("topic_id", flat=True)))
        record_activity(guardian.user, "tag.deleted", row, data=Name(row.name))
        row.delete()
