from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve as serve_media

from townhall.api import api, app_modules
from townhall.core import views as core_views
from townhall.web import pwa

handler400 = "townhall.core.views.bad_request"
handler403 = "townhall.core.views.permission_denied"
handler404 = "townhall.core.views.page_not_found"
handler500 = "townhall.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("manifest.webmanifest", pwa.manifest, name="pwa-manifest"),
    path("sw.js", pwa.service_worker, name="pwa-service-worker"),
    path("offline/", pwa.offline, name="pwa-offline"),
    path("pwa/icon-<int:size>.png", pwa.icon, name="pwa-icon"),
    path("pwa/icon-maskable-<int:size>.png", pwa.icon_maskable, name="pwa-icon-maskable"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    *(path("", include(module)) for module in app_modules("urls")),
    path("", include("townhall.notifications.email.urls")),  # unsubscribe links work without a session
    path(
        "media/<path:path>",
        serve_media,
        {"document_root": settings.MEDIA_ROOT},
        name="media",
    ),
]
