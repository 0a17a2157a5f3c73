"""The events pages. Each area keeps its routes in its own module; all share the `events` namespace."""

from townhall.events import (
    calendar_views,
    date_views,
    door_views,
    event_views,
    feed_views,
    import_views,
    live_views,
    views,
)

app_name = "events"

urlpatterns = [
    *views.urlpatterns,
    *calendar_views.urlpatterns,
    *import_views.urlpatterns,
    *feed_views.urlpatterns,
    *door_views.urlpatterns,
    *live_views.urlpatterns,
    *date_views.urlpatterns,
    *event_views.urlpatterns,
]
