"""Delivery channels beyond the page (email, web push): each registers how it takes over notifications
that the fan-out stored with its state set to PENDING.

The fan-out stores the in-page rows first, with `email_state` / `push_state` PENDING where the member's
preferences turn that channel on, and then calls each channel's `schedule(ids)` (in the fan-out task,
after its transaction committed). A channel claims a row before sending (PENDING -> SENDING, in one
UPDATE) so that no row is ever sent twice, rechecks at delivery that the member may still see it, and
records SENT, CANCELLED or FAILED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from townhall.core.registries import Registry


@dataclass(frozen=True)
class Channel:
    key: str  # models.EMAIL or models.PUSH
    schedule: Callable[[list[int]], None]  # notification ids whose state for this channel is PENDING


channels: Registry[Channel] = Registry("notification channel")


def register_channel(channel: Channel) -> Channel:
    return channels.register(channel.key, channel)
