"""The events pages. Each area keeps its routes in its own module; all share the `events` namespace."""

from townhall.events import date_views, views

app_name = "events"

urlpatterns = [
    *views.urlpatterns,
    *date_views.urlpatterns,
]
