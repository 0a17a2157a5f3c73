from django.urls import path

from townhall.community import views

app_name = "community"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", views.home, name="home"),
    path("conduct/", views.conduct, name="conduct"),
    path("accent.css", views.accent_css, name="accent-css"),
    path("members/", views.directory, name="directory"),
    path("settings/community/", views.community_settings, name="settings"),
]
