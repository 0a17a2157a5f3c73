"""Helpers shared by the discussion actions: rates, input cleaning, locks and counters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db.models import F
from django.utils.text import slugify

from townhall.core import ratelimit
from townhall.core.errors import Invalid
from townhall.discussions.models import (
    BODY_MAX,
    MAX_TAGS,
    PARTICIPANTS_SHOWN,
    TAG_MAX,
    TITLE_MAX,
    Post,
    Tag,
    Topic,
    TopicTag,
)
from townhall.discussions.queries import REPLY_TARGET_MISSING
from townhall.discussions.threads import participants_after_reply
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian

TOPIC_RATE = "20/m"
POST_RATE = "60/m"
WRITE_RATE = "240/m"  # edits, reactions, follows, drafts, moderation


def _write_limit(guardian: Guardian) -> None:
    ratelimit.hit(f"discussions-write:{guardian.user_id}", _rate("DISCUSSIONS_WRITE_RATE", WRITE_RATE))


def _me(guardian: Guardian) -> int:
    """The caller's id, once a rule has established that someone is signed in."""
    guardian.discussions.track.ensure()
    return cast(int, guardian.user_id)


def _rate(name: str, default: str) -> str:
    return str(getattr(settings, name, default))


# --- validation helpers --------------------------------------------------------------------------
def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise Invalid("Give your topic a title.", field_errors={"title": ["This field is required."]})
    if len(title) > TITLE_MAX:
        msg = f"Keep the title under {TITLE_MAX} characters (it has {len(title)})."
        raise Invalid(msg, field_errors={"title": [msg]})
    return title


def clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid("Write something first.", field_errors={"body": ["This field is required."]})
    if len(body) > BODY_MAX:
        msg = f"Keep posts under {BODY_MAX:,} characters (this one has {len(body):,})."
        raise Invalid(msg, field_errors={"body": [msg]})
    return body


def clean_tags(tags: Iterable[str] | str) -> list[str]:
    """Tag names from a list or a comma-separated string: trimmed, de-duplicated, at most MAX_TAGS."""
    if isinstance(tags, str):
        tags = tags.split(",")
    names: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        name = " ".join(str(raw).split()).lstrip("#")
        if not name:
            continue
        if len(name) > TAG_MAX:
            msg = f"Tags are at most {TAG_MAX} characters."
            raise Invalid(msg, field_errors={"tags": [msg]})
        slug = slugify(name)
        if not slug:
            msg = f"“{name}” is not a usable tag; use letters or digits."
            raise Invalid(msg, field_errors={"tags": [msg]})
        if slug not in seen:
            seen.add(slug)
            names.append(name)
    if len(names) > MAX_TAGS:
        msg = f"Use at most {MAX_TAGS} tags."
        raise Invalid(msg, field_errors={"tags": [msg]})
    return names


def clean_kind(kind: str) -> str:
    """One of Topic.KINDS (whether the caller may start an announcement is the Guardian's question)."""
    if kind not in dict(Topic.KINDS):
        raise Invalid(
            "Choose discussion, question or announcement.", field_errors={"kind": ["Not a valid type."]}
        )
    return kind


def clean_reply_to(topic_id: int, reply_to: Post | None) -> Post | None:
    """The post a reply answers must be in the same topic and not deleted or hidden."""
    if reply_to is not None:
        if reply_to.topic_id != topic_id:  # exactly as for a post that does not exist
            raise Invalid(REPLY_TARGET_MISSING, field_errors={"reply_to": [REPLY_TARGET_MISSING]})
        if reply_to.deleted_at is not None or reply_to.hidden:
            raise Invalid("That post has been removed; reply to the topic instead.")
    return reply_to


def tag_slug(name: str) -> str:
    """The slug that identifies a tag (names differing only in case or punctuation are one tag)."""
    return slugify(name)[:50]


def tags_by_slug(names: Iterable[str]) -> dict[str, Tag]:
    """The tags for cleaned names, by slug; missing ones are created (named as first given). Two or
    three queries however many names: the bulk layer resolves a whole batch's tags at once."""
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(tag_slug(name), name)
    if not wanted:
        return {}
    found = {tag.slug: tag for tag in Tag.objects.filter(slug__in=list(wanted))}
    missing = [Tag(name=name, slug=slug) for slug, name in wanted.items() if slug not in found]
    if missing:
        # Another writer may create the same tag meanwhile: skip the clash and read the winner.
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        found.update((tag.slug, tag) for tag in Tag.objects.filter(slug__in=[t.slug for t in missing]))
    return found


def _tag_objects(names: list[str]) -> list[Tag]:
    by_slug = tags_by_slug(names)
    return [by_slug[tag_slug(name)] for name in names]


def _touch(topic_id: int, **changes: Any) -> None:
    """Write the topic's changed fields and bump its version (which keys cached copies of its page)."""
    Topic.objects.filter(pk=topic_id).update(version=F("version") + 1, **changes)


def _set_tags(topic: Topic, names: list[str]) -> None:
    TopicTag.objects.filter(topic=topic).delete()
    TopicTag.objects.bulk_create([TopicTag(topic=topic, tag=tag) for tag in _tag_objects(names)])


def _topic_slug(title: str) -> str:
    return slugify(title)[:80].strip("-") or "topic"


def _lock_topic(topic: Topic) -> Topic:
    """Re-read the topic under a row lock (counters, positions and state are read then written)."""
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    locked.space = topic.space if topic.space_id == locked.space_id else Space.objects.get(pk=locked.space_id)
    return locked


def _sync_topic(target: Topic, source: Topic, *fields: str) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _count_visible_delta(post: Post, *, delta: int, **changes: Any) -> None:
    _touch(
        post.topic_id,
        post_count=F("post_count") + delta,
        score=F("score") + delta if post.position != 1 else F("score"),
        **changes,
    )


def _participants_after_reply(topic: Topic, author_id: int | None) -> list[int]:
    """The locked topic's participants once `author_id` has replied (see threads.participants_after_reply)."""
    return participants_after_reply(topic.author_id, list(topic.participant_ids or []), author_id)


def _participants(topic: Topic) -> list[int]:
    """The topic's participants read again from its visible replies (after a deletion, hiding or restore).

    Walks the newest replies by the (topic, position) index, never the whole topic."""
    ids = [topic.author_id] if topic.author_id else []
    recent = (
        Post.objects.filter(topic_id=topic.pk, position__gt=1, hidden=False, deleted_at__isnull=True)
        .exclude(author_id=None)
        .order_by("-position")
        .values_list("author_id", flat=True)[:200]
    )
    for author_id in recent:
        if len(ids) >= PARTICIPANTS_SHOWN:
            break
        if author_id not in ids:
            ids.append(author_id)
    return ids


def opening_post(topic: Topic) -> Post:
    return Post.objects.select_related("topic__space").get(topic=topic, position=1)
