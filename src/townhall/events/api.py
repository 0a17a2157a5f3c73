"""The events API: each area adds its own router."""

from ninja import Router

from townhall.events import api_door

router = Router(tags=["events"])
router.add_router("", api_door.router)
