from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from osmose.api.api import api

admin.site.site_header = "Osmose"
admin.site.site_title = "Osmose"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("osmose.core.urls")),
    path("", include("osmose.accounts.urls")),
    path("", include("osmose.portal.urls")),
    path("", include("osmose.registry.urls")),
    path("", include("osmose.events.urls")),
    path("", include("osmose.matchmaking.urls")),
    path("", include("osmose.pipeline.urls")),
    path("", include("osmose.network.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
