"""Read state, follow levels and drafts: what belongs to one reader."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F

from townhall.core.effects import emit
from townhall.core.errors import Invalid
from townhall.discussions.actions._common import (
    _me,
    _write_limit,
)
from townhall.discussions.events import TopicSeen
from townhall.discussions.models import (
    BODY_MAX,
    FOLLOW_LEVELS,
    TITLE_MAX,
    Draft,
    SpaceFollow,
    Topic,
    TopicFollow,
    TopicRead,
)
from townhall.spaces.models import Space

if TYPE_CHECKING:
    from townhall.policy import Guardian


def mark_read(guardian: Guardian, topic: Topic, *, position: int) -> int:
    """Record that the reader has seen posts up to `position` (never moving backwards).

    When the mark advances, the previous mark becomes `last_visit_position` (the "new since your last
    visit" divider). Returns the highest position read. Anonymous readers are ignored (returns 0).
    One UPDATE when advancing; otherwise one get_or_create. When the mark moves it emits TopicSeen
    (notifications about the posts read are marked read, after commit).
    """
    if guardian.user is None:
        return 0
    guardian.discussions.view_topic.ensure(topic)
    position = max(0, min(int(position), topic.last_position))
    updated = TopicRead.objects.filter(
        user_id=_me(guardian), topic_id=topic.pk, highest_position_read__lt=position
    ).update(highest_position_read=position, last_visit_position=F("highest_position_read"))
    if updated:
        emit(TopicSeen(user_id=_me(guardian), topic_id=topic.pk, position=position))
        return position
    read, created = TopicRead.objects.get_or_create(
        user_id=_me(guardian),
        topic_id=topic.pk,
        defaults={"highest_position_read": position, "last_visit_position": 0},
    )
    if created and position > 0:
        emit(TopicSeen(user_id=_me(guardian), topic_id=topic.pk, position=position))
    return read.highest_position_read


def _clean_level(level: str) -> str:
    if level not in dict(FOLLOW_LEVELS):
        raise Invalid("Choose watching, normal or muted.", field_errors={"level": ["Not a valid choice."]})
    return level


def set_topic_follow_level(guardian: Guardian, topic: Topic, *, level: str) -> TopicFollow:
    """Watching / normal / muted for one topic (muted topics leave the lists). Errors: NotFound,
    PermissionDenied (anonymous), Invalid."""
    guardian.discussions.track.ensure()
    guardian.discussions.view_topic.ensure(topic)
    level = _clean_level(level)
    _write_limit(guardian)
    follow, _ = TopicFollow.objects.update_or_create(
        user=guardian.user, topic=topic, defaults={"level": level}
    )
    return follow


def set_space_follow_level(guardian: Guardian, space: Space, *, level: str) -> SpaceFollow:
    """Watching / normal / muted for a whole space (muted spaces leave Latest/Unread/Top)."""
    guardian.discussions.track_space.ensure(space)
    level = _clean_level(level)
    _write_limit(guardian)
    follow, _ = SpaceFollow.objects.update_or_create(
        user=guardian.user, space=space, defaults={"level": level}
    )
    return follow


def save_draft(
    guardian: Guardian, *, topic: Topic | None = None, space: Space | None = None, body: str, title: str = ""
) -> Draft | None:
    """Save (or, when empty, discard) the caller's draft of a reply (topic) or a new topic (space)."""
    guardian.discussions.track.ensure()
    if (topic is None) == (space is None):
        raise Invalid("A draft belongs to a topic or to a space.")
    if topic is not None:
        guardian.discussions.view_topic.ensure(topic)
    elif space is not None:
        guardian.discussions.track_space.ensure(space)
    if len(body) > BODY_MAX:
        raise Invalid(f"Keep posts under {BODY_MAX:,} characters.", field_errors={"body": ["Too long."]})
    title = (title or "")[:TITLE_MAX]
    _write_limit(guardian)
    if not body.strip() and not title.strip():
        discard_draft(guardian, topic=topic, space=space)
        return None
    draft, _ = Draft.objects.update_or_create(
        user=guardian.user, topic=topic, space=space, defaults={"body": body, "title": title}
    )
    return draft


def discard_draft(guardian: Guardian, *, topic: Topic | None = None, space: Space | None = None) -> None:
    guardian.discussions.track.ensure()
    Draft.objects.filter(user_id=_me(guardian), topic=topic, space=space).delete()
