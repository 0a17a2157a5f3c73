from django.urls import path

from townhall.spaces import views

app_name = "spaces"

urlpatterns = [
    path("spaces/", views.space_list, name="list"),
    path("s/<slug:slug>/", views.space_detail, name="detail"),
]
