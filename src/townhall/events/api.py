"""The events API: each area of the app adds its router here (one line each)."""

from ninja import Router

from townhall.events import api_calendar

router = Router(tags=["events"])
router.add_router("", api_calendar.router)
