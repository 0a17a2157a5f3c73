"""What the email channel announces in the notifications app's ready()."""

from __future__ import annotations

from townhall.notifications import kinds
from townhall.notifications.channels import Channel, register_channel
from townhall.notifications.email import sending
from townhall.notifications.email.actions import BOUNCED_KIND
from townhall.notifications.models import EMAIL, WEB


def register() -> None:
    register_channel(Channel(EMAIL, sending.schedule))
    kinds.register(
        kinds.Kind(
            key=BOUNCED_KIND,
            label="Email to your address failed",
            icon="📭",
            text="Email to {address} {reason}: we stopped sending notifications there. Check your address.",
            channels=frozenset({WEB}),  # never by email: the address is what failed
            order=900,
        )
    )
