from django.urls import path

from townhall.notifications.email import views

app_name = "notification_email"

urlpatterns = [
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("email/unsubscribe/<str:token>/one-click/", views.one_click, name="one-click"),
]
