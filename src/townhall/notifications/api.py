"""The notifications app's API routes; each channel brings its own router."""

from ninja import Router

from townhall.notifications.push.api import router as push_router

router = Router()
router.add_router("", push_router)
