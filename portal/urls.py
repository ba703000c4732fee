"""Root URLconf. Public pages live under /es/ and /en/; /healthz and /static/ are language-free."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

from monitoring.views import public as monitoring_public
from portal import views as portal_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", portal_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", monitoring_public.home, name="home"),
    path("", include("portal.site_urls")),
    path("", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
    prefix_default_language=True,
)
