"""The events API: one router, each area's routes added to it."""

from ninja import Router

from townhall.events import api_dates

router = Router(tags=["events"])
router.add_router("", api_dates.router)
