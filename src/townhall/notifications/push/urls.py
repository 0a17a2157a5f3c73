from django.urls import path

from townhall.notifications.push import views

urlpatterns = [
    path("settings/notifications/devices/", views.devices, name="push-devices"),
    path("settings/notifications/devices/<id:device_id>/remove/", views.remove, name="push-device-remove"),
]
