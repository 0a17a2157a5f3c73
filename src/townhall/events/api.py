"""The events API: one router; each area adds its own (the api.py twins of the pages)."""

from ninja import Router

from townhall.events import api_calendar, api_dates, api_door, api_events, api_feeds, api_import

router = Router(tags=["events"])
# Fixed paths (/events/feed, /events/import...) before /events/{event_id}, which would take them.
router.add_router("", api_calendar.router)
router.add_router("", api_import.router)
router.add_router("", api_feeds.router)
router.add_router("", api_door.router)
router.add_router("", api_dates.router)
router.add_router("", api_events.router)
