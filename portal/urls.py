"""Root URLconf. Public pages live under /es/ and /en/; /healthz, /readyz, /metrics and /static/ are language-free."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from monitoring.sitemaps import SITEMAPS
from monitoring.views import api_docs as monitoring_api_docs
from monitoring.views import public as monitoring_public
from portal import views as portal_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", portal_views.healthz, name="healthz"),
    path("readyz", portal_views.readyz, name="readyz"),
    path("metrics", portal_views.metrics, name="metrics"),
    path("robots.txt", monitoring_public.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("api/v1/", include("monitoring.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The reference lives under /<lang>/api/docs/; this address, linked since the API began, leads there.
    path("api/docs/", monitoring_api_docs.api_docs_permalink, name="api-docs"),
]

urlpatterns += i18n_patterns(
    path("", monitoring_public.home, name="home"),
    path("", include("portal.site_urls")),
    path("", include("monitoring.urls")),
    path("api/docs/", monitoring_api_docs.api_docs, name="api-docs-page"),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
    prefix_default_language=True,
)

handler400 = "portal.views.bad_request"
handler404 = "portal.views.not_found"
