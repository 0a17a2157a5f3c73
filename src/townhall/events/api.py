"""The events API: one router, each area adding its own (ARCHITECTURE: api.py twins of the pages)."""

from ninja import Router

from townhall.events import api_import

router = Router(tags=["events"])
router.add_router("", api_import.router)
