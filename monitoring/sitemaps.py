"""sitemap.xml: public pages in both languages with hreflang alternates. Nothing private is listed."""

from __future__ import annotations

from typing import Any

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from monitoring.models import Evidence, Indicator, Institution, Plan, ReportVersion, SitePage


class _Bilingual(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    limit = 5000


class StaticSitemap(_Bilingual):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return [
            "home",
            "monitoring:plan_list",
            "monitoring:institution_list",
            "monitoring:report_list",
            "monitoring:evidence_public_list",
            "monitoring:data",
            "monitoring:organisation_public_list",
            "portal:about",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class PlanSitemap(_Bilingual):
    def items(self) -> Any:
        return Plan.objects.order_by("slug")


class IndicatorSitemap(_Bilingual):
    def items(self) -> Any:
        return Indicator.objects.select_related("plan").order_by("plan__slug", "position")


class InstitutionSitemap(_Bilingual):
    def items(self) -> Any:
        return Institution.objects.order_by("code")


class ReportVersionSitemap(_Bilingual):
    def items(self) -> Any:
        return ReportVersion.objects.visible().select_related("report").order_by("report__slug", "number")

    def lastmod(self, item: ReportVersion) -> Any:
        return item.published_at


class EvidenceSitemap(_Bilingual):
    def items(self) -> Any:
        return Evidence.objects.public().order_by("pk").only("uuid", "updated_at")

    def lastmod(self, item: Evidence) -> Any:
        return item.updated_at


class SitePageSitemap(_Bilingual):
    """The privacy notice and the contact and corrections page, dated by their last edit."""

    changefreq = "monthly"

    def items(self) -> Any:
        return SitePage.objects.order_by("slug").only("slug", "updated_at")

    def lastmod(self, item: SitePage) -> Any:
        return item.updated_at


class OrganisationSitemap(_Bilingual):
    """Organisations with public work only (the pages of the others are 404s)."""

    def items(self) -> Any:
        from monitoring.views.organisations import public_organisation_ids
        from portal.models import Organisation

        return Organisation.objects.filter(pk__in=public_organisation_ids()).order_by("slug").only("slug")

    def location(self, item: Any) -> str:
        return reverse("monitoring:organisation_public", kwargs={"slug": item.slug})


SITEMAPS = {
    "pages": StaticSitemap,
    "plans": PlanSitemap,
    "indicators": IndicatorSitemap,
    "institutions": InstitutionSitemap,
    "reports": ReportVersionSitemap,
    "evidence": EvidenceSitemap,
    "organisations": OrganisationSitemap,
    "site_pages": SitePageSitemap,
}
