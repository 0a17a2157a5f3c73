"""The events API (/api/v1/events...): each area adds its router here, one line each."""

from ninja import Router

from townhall.events import api_feeds

router = Router(tags=["events"])
router.add_router("", api_feeds.router)
