"""The notifications app's pages (URL names `notifications:...`); each channel brings its own."""

from django.urls import path

from townhall.notifications import views
from townhall.notifications.push import urls as push_urls

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.centre, name="centre"),
    path("notifications/count/", views.count, name="count"),
    path("notifications/read/", views.mark_all_read, name="read-all"),
    path("notifications/<id:notification_id>/open/", views.open_notification, name="open"),
    path("notifications/<id:notification_id>/read/", views.mark_read, name="read"),
    path("settings/notifications/", views.settings_page, name="settings"),
    path("settings/notifications/choices/", views.save_choices, name="choices"),
    path("settings/notifications/email/", views.save_delivery, name="delivery"),
    path("settings/notifications/pause/", views.pause, name="pause"),
    *push_urls.urlpatterns,
]
