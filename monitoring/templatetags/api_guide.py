"""The open-data API guide (``{% api_guide %}``): what the API offers, its licence, its limit and worked examples.

Shown on the open-data page and below the interactive reference (/<lang>/api/docs/). The numbers come from the
settings and the pagination module, so the guide says what the API does; tests/portal/test_api_docs.py fetches
every example address it shows.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring import search
from monitoring.api.pagination import LICENCE, MAX_PAGE_SIZE, PAGE_SIZE
from monitoring.models import InformationCredibility, Plan, SourceReliability
from monitoring.reliability import NOT_ASSESSED

register = template.Library()

# The plan of the examples when the database has none yet (the shipped catalogue's).
EXAMPLE_PLAN = "mx-pna-1325-2021"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_limit_text(rate: str | None) -> str:
    """DRF's rate ("600/hour") in words of the active language; an empty or odd setting means no limit."""
    number, _sep, period = (rate or "").partition("/")
    seconds = PERIODS.get(period[:1])
    if not (number.isdigit() and seconds):
        return _("no limit is set on this server")
    count = int(number)
    if seconds == 1:
        return ngettext("%(count)s request per second", "%(count)s requests per second", count) % {"count": count}
    if seconds == 60:
        return ngettext("%(count)s request per minute", "%(count)s requests per minute", count) % {"count": count}
    if seconds == 3600:
        return ngettext("%(count)s request per hour", "%(count)s requests per hour", count) % {"count": count}
    return ngettext("%(count)s request per day", "%(count)s requests per day", count) % {"count": count}


@register.inclusion_tag("monitoring/_api_guide.html", takes_context=True)
def api_guide(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    origin = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
    plan = Plan.objects.order_by("-period_start", "slug").values_list("slug", flat=True).first() or EXAMPLE_PLAN
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES") or {}
    rate = rates.get("anon") if isinstance(rates, dict) else None
    return {
        "origin": origin,
        "plan": plan,
        "licence": LICENCE,
        "rate_limit": rate_limit_text(rate),
        "page_size": PAGE_SIZE,
        "max_page_size": MAX_PAGE_SIZE,
        "count_cap": search.COUNT_CAP,
        "source_reliability": [*SourceReliability.values, NOT_ASSESSED],
        "information_credibility": [*InformationCredibility.values, NOT_ASSESSED],
    }
