"""The events API: each area adds its router here (one line each)."""

from ninja import Router

from townhall.events import api_events

router = Router(tags=["events"])
router.add_router("", api_events.router)
