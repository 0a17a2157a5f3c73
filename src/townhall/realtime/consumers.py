"""The one WebSocket a signed-in page opens: it receives broadcasts for its user and joined spaces."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from townhall.realtime.publish import space_group, user_group


class UserStreamConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = [user_group(user.pk), *await self._space_groups(user.pk)]
        for name in self.groups_joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for name in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def broadcast(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])

    @database_sync_to_async
    def _space_groups(self, user_id: int) -> list[str]:
        from townhall.accounts.models import User
        from townhall.policy import Guardian
        from townhall.spaces.models import Space

        user = User.objects.get(pk=user_id)
        guardian = Guardian(user)
        ids = guardian.spaces.readable(Space.objects.all()).values_list("pk", flat=True)
        return [space_group(pk) for pk in ids]
