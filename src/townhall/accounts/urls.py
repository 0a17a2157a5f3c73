from django.urls import path

from townhall.accounts import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/theme/", views.set_theme, name="theme"),
]
