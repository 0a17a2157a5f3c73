from django.urls import path

from townhall.importers import views

app_name = "importers"

urlpatterns = [
    path("settings/community/imports/", views.imports_page, name="imports"),
    path("settings/community/imports/<id:run_id>/", views.run_page, name="run"),
    path("settings/community/imports/<id:run_id>/progress/", views.run_progress, name="run-progress"),
    path("settings/community/imports/<id:run_id>/confirm/", views.run_confirm, name="run-confirm"),
    path("settings/community/imports/<id:run_id>/discard/", views.run_discard, name="run-discard"),
    path("settings/community/imports/people/", views.placeholders_page, name="placeholders"),
    path(
        "settings/community/imports/people/<id:placeholder_id>/<str:op>/",
        views.placeholder_change,
        name="placeholder-change",
    ),
    path("claim/<str:token>/", views.claim_page, name="claim"),
]
