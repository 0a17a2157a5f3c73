"""The notifications app's pages (URL names `notifications:...`); each channel brings its own."""

from townhall.notifications.push import urls as push_urls

app_name = "notifications"

urlpatterns = [*push_urls.urlpatterns]
