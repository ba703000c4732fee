"""What an anonymous reader can see, as scopes of public state, and the one place services say it changed.

Each public page is registered with the public page cache (portal/page_cache.py) under the scopes it shows; each
service that changes public state calls one function here inside its transaction, and the scopes are bumped when
the transaction commits. Approving an item therefore changes, at once, exactly the pages that show it: the home
page (recent evidence), the evidence list and searches, the item's own page and the pages of its indicators — and
nothing else (reports, institutions, transparency, other indicators keep their stored pages).

- ``site``: the catalogue is imported or retired, anything is edited in the admin. Every page.
- ``evidence``: an item becomes public or stops being public. Home, evidence list and searches.
- ``evidence:<uuid>``: that item becomes public or stops being public. The item's page.
- ``indicator:<plan>:<code>``: an item of that indicator becomes public or stops being public. The indicator's page.
- ``reports``: a version is published or its embargo passes (or is moved or lifted), a published report's texts or
  authors change. Home, report list and versions, comparisons of versions, indicator pages.
- ``organisations`` / ``organisation:<slug>``: an organisation is created or edited in the site (the list / its page).
- ``transparency``: a public request is filed, answered, extended, appealed or withdrawn. Transparency pages,
  institution pages, indicator pages.

Pages that compute deadlines against today (``daily``) also change at midnight; ``reports`` has a clock (the next
embargo end), so an embargoed version appears the moment its embargo passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Min
from django.utils import timezone

from portal import page_cache
from portal.services_people import ORGANISATIONS, organisation_scope

SITE = page_cache.SITE
EVIDENCE = "evidence"
REPORTS = "reports"
TRANSPARENCY = "transparency"
SITE_PAGES = "site_pages"  # the privacy notice and the contact page (moderators edit them)


def indicator_scope(plan_slug: str, code: str) -> str:
    return f"indicator:{plan_slug}:{code}"


def evidence_scope(uuid: Any) -> str:
    return f"evidence:{uuid}"


def _indicator_page(kwargs: dict[str, Any]) -> str:
    return indicator_scope(kwargs["plan_slug"], kwargs["code"])


def _evidence_page(kwargs: dict[str, Any]) -> str:
    return evidence_scope(kwargs["uuid"])


def _organisation_page(kwargs: dict[str, Any]) -> str:
    return organisation_scope(kwargs["slug"])


def next_embargo_end() -> float | None:
    from monitoring.models import ReportVersion

    when = ReportVersion.objects.filter(public_from__gt=timezone.now()).aggregate(n=Min("public_from"))["n"]
    return when.timestamp() if when else None


def register_pages() -> None:
    """Called once at start-up (MonitoringConfig.ready)."""
    register = page_cache.register
    register("home", EVIDENCE, REPORTS)
    register("portal:about")
    register("monitoring:plan_list")
    register("monitoring:plan_detail")
    register("monitoring:indicator_detail", REPORTS, TRANSPARENCY, _indicator_page, daily=True)
    register("monitoring:institution_list")
    register("monitoring:institution_detail", TRANSPARENCY, daily=True)
    register("monitoring:report_list", REPORTS)
    register("monitoring:report_latest", REPORTS)
    register("monitoring:report_version", REPORTS)
    register("monitoring:report_compare", REPORTS)
    register("monitoring:evidence_public_list", EVIDENCE, search_param="q")
    register("monitoring:evidence_detail", _evidence_page)
    register("monitoring:data")
    register("monitoring:transparency_public", TRANSPARENCY, daily=True)
    register("monitoring:transparency_public_detail", TRANSPARENCY, daily=True)
    # Organisations: their evidence counts and published reports; edits in the site bump their own scopes
    # (portal/services_people.py; a rename bumps ``site``, since every page that names the organisation changes).
    register("monitoring:organisation_public_list", EVIDENCE, REPORTS, ORGANISATIONS)
    register("monitoring:organisation_public", EVIDENCE, REPORTS, _organisation_page)
    # Atom feeds (monitoring/feeds.py): an institution's feed follows every change of public evidence.
    register("monitoring:feed_reports", REPORTS)
    register("monitoring:feed_evidence", EVIDENCE)
    register("monitoring:feed_indicator", _indicator_page)
    register("monitoring:feed_institution", EVIDENCE)
    register("monitoring:privacy", SITE_PAGES)
    register("monitoring:contact", SITE_PAGES)
    page_cache.register_clock(REPORTS, next_embargo_end)


# ----------------------------------------------------------------------------- called by services, in their transaction


def evidence_changed(items: Iterable[Any]) -> None:
    """These items became public or stopped being public (approved, withdrawn): their pages, their indicators'
    pages, the lists and the public CSVs change."""
    from monitoring import published_files
    from monitoring.models import Evidence
    from monitoring.models.evidence import PublicIndicatorEvidence

    ids = [item.pk for item in items]
    PublicIndicatorEvidence.sync(ids)  # the indicator pages' lists, in this same transaction
    scopes = {EVIDENCE}
    for uuid, plan_slug, code in Evidence.indicators.through.objects.filter(evidence_id__in=ids).values_list(
        "evidence__uuid", "indicator__plan__slug", "indicator__code"
    ):
        scopes.update({evidence_scope(uuid), indicator_scope(plan_slug, code)})
    scopes.update(evidence_scope(uuid) for uuid in Evidence.objects.filter(pk__in=ids).values_list("uuid", flat=True))
    page_cache.bump(*scopes)
    published_files.public_evidence_changed()


def reports_changed() -> None:
    """A version was published (the next embargo end is read again), or what the report list shows changed."""
    page_cache.bump(REPORTS)


def transparency_changed() -> None:
    page_cache.bump(TRANSPARENCY)


def site_pages_changed() -> None:
    page_cache.bump(SITE_PAGES)


def everything_changed() -> None:
    page_cache.bump_all()
