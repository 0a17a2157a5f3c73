"""Which space groups a person's stream belongs to, and keeping that in step with what they may read.

A stream subscribes to `user.<id>`, `streams` and one `space.<id>` per space the Guardian lets the
person read (`guardian.spaces.readable`). Whatever changes that set emits an `AccessChanged` domain
event; the `realtime` listener registered in `RealtimeConfig.ready()` asks the affected people's open
streams (everyone's, when `affected_users()` is None) to re-compute after the commit. The control
message carries nothing the stream trusts: it asks the Guardian again, so a forged or stale message can
at most cause a harmless re-computation.
"""

from __future__ import annotations

from townhall.accounts.models import User
from townhall.core.effects import AccessChanged
from townhall.policy import Guardian
from townhall.realtime.publish import resubscribe, space_group
from townhall.realtime.schemas import declare
from townhall.spaces.models import Space

# The frame a stream sends its page after its space groups changed (the page may refresh its sidebar).
SUBSCRIPTIONS_CHANGED = {"type": "stream", "op": "subscriptions_changed"}
SCHEMAS = declare("stream", ("subscriptions_changed",))


def on_access_changed(event: AccessChanged) -> None:
    """The `realtime` listener (after commit): the affected people's open streams re-subscribe."""
    resubscribe(event.affected_users())


def readable_space_groups(user_id: int) -> frozenset[str] | None:
    """The `space.<id>` groups of every space this person may read now, per the Guardian.

    None when the person may hold no stream any more (the account was deleted or deactivated). Runs
    from two to five queries: the user, their membership, and (for people who read as members) their
    groups and space memberships, then the readable spaces' ids.
    """
    user = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if user is None:
        return None
    ids = Guardian(user).spaces.readable(Space.objects.all()).values_list("pk", flat=True)
    return frozenset(space_group(pk) for pk in ids)
