"""Checks that kinds' `still_visible` functions share (asked at delivery, per recipient, in every
channel): whether the recipient blocked the actor, and whether the thing a notification is about
(`target`, "post:42", "message:7") still exists and is readable to them.

A kind used by several apps ("mention": posts and chat messages; "reaction") cannot know every kind of
target, so each app registers a check for its own target prefix (`register_target("post", fn)`) and
such kinds use `target_visible`, which dispatches on the prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from townhall.accounts.models import Block
from townhall.core.registries import Registry

# (guardian, target id) -> the recipient may still see it
TargetCheck = Callable[[Any, int], bool]
targets: Registry[TargetCheck] = Registry("notification target check")


def register_target(prefix: str, check: TargetCheck) -> None:
    targets.register(prefix, check)


def blocked_actor(notification: Any) -> bool:
    """The recipient blocked the person the notification is about (its last actor)."""
    if notification.actor_id is None:
        return False
    return Block.objects.filter(
        blocker_id=notification.recipient_id, blocked_id=notification.actor_id
    ).exists()


def target_id(notification: Any, prefix: str) -> int | None:
    """The id in `target` ("post:42" -> 42 for prefix "post"), or None when it is about something else."""
    name, _, raw = str(notification.target).partition(":")
    return int(raw) if name == prefix and raw.isdigit() else None


def target_visible(guardian: Any, notification: Any) -> bool:
    """A kind's `still_visible` for targets of any registered prefix: the target's own check, and the
    actor not blocked by the recipient. A target of an unregistered prefix is not shown."""
    name, _, raw = str(notification.target).partition(":")
    check = targets.get(name)
    if check is None or not raw.isdigit():
        return False
    return check(guardian, int(raw)) and not blocked_actor(notification)
