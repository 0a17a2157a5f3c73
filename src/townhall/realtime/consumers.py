"""The one WebSocket a signed-in page opens: it receives broadcasts for its user and the spaces they read.

The space groups follow permissions while the socket is open (see `subscriptions`): a `stream.resubscribe`
control message makes the stream ask the Guardian again, leave the space groups it lost, join the ones
it gained and, when anything changed, tell the page with a `stream/subscriptions_changed` frame (so it
may refresh what it shows). A stream whose account was deleted is closed with code 4401, like a visitor's.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from townhall.realtime import schemas
from townhall.realtime.publish import ALL_STREAMS, user_group
from townhall.realtime.subscriptions import SUBSCRIPTIONS_CHANGED, readable_space_groups

SIGNED_OUT = 4401  # the page's script stops reconnecting on this code


class UserStreamConsumer(AsyncJsonWebsocketConsumer):
    user_id: int
    control_groups: tuple[str, ...] = ()
    space_groups: frozenset[str] = frozenset()

    async def connect(self) -> None:
        """Accept signed-in people: join their control groups first, then the spaces they read.

        Joining `user.<id>` and `streams` before asking the Guardian means that an access change
        committed while the stream connects is either seen by that first computation or followed by
        a control message that this stream receives.
        """
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=SIGNED_OUT)
            return
        self.user_id = user.pk
        self.control_groups = (user_group(user.pk), ALL_STREAMS)
        for name in self.control_groups:
            await self.channel_layer.group_add(name, self.channel_name)
        wanted = await database_sync_to_async(readable_space_groups)(self.user_id)
        if wanted is None:
            await self._leave_all()
            await self.close(code=SIGNED_OUT)
            return
        await self._follow(wanted)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        """Leave every group this stream joined."""
        await self._leave_all()

    async def broadcast(self, message: dict[str, Any]) -> None:
        """A broadcast for one of this stream's groups: pass the payload on to the page.

        A frame that was queued for a space group just before the stream left it is dropped here, so
        nothing of a space arrives once the stream has re-computed without it.
        """
        group = message.get("group")
        if group is not None and group not in self.control_groups and group not in self.space_groups:
            return
        await self.send_json(message["payload"])

    async def stream_resubscribe(self, message: dict[str, Any]) -> None:
        """Re-compute the space groups under the Guardian (the message's content is not used)."""
        if not self.control_groups:
            return  # not connected (closed before accepting)
        wanted = await database_sync_to_async(readable_space_groups)(self.user_id)
        if wanted is None:
            await self._leave_all()
            await self.close(code=SIGNED_OUT)
            return
        if await self._follow(wanted):
            schemas.validate(SUBSCRIPTIONS_CHANGED)
            await self.send_json(SUBSCRIPTIONS_CHANGED)

    async def _follow(self, wanted: frozenset[str]) -> bool:
        """Leave the space groups not wanted any more (first: stop a leak before anything else), join
        the new ones. Returns whether anything changed."""
        lost, gained = self.space_groups - wanted, wanted - self.space_groups
        for name in sorted(lost):
            await self.channel_layer.group_discard(name, self.channel_name)
        self.space_groups = self.space_groups - lost
        for name in sorted(gained):
            await self.channel_layer.group_add(name, self.channel_name)
        self.space_groups = wanted
        return bool(lost or gained)

    async def _leave_all(self) -> None:
        for name in (*self.control_groups, *sorted(self.space_groups)):
            await self.channel_layer.group_discard(name, self.channel_name)
        self.control_groups, self.space_groups = (), frozenset()
