"""Atom feeds of public state (issue 19, part 6): new report versions, new public evidence (whole site, per
indicator, per institution), in the language of the address (/es/ or /en/).

They read only through the public vocabulary (``ReportVersion.objects.visible()``, ``Evidence.objects.public()``)
and only public fields; each feed costs a fixed number of queries whatever the data size (a version's title and
summary are read out of its snapshot by the database, never by loading the snapshot). At most ``LIMIT`` entries.
Entry ids are the entries' permalinks in the feed's language (stable: a version's number and an item's uuid never
change). Served through the public page cache like the pages they mirror (monitoring/public_state.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from monitoring.models import Evidence, Indicator, Institution, ReportVersion
from monitoring.querysets import EvidenceQuerySet

LIMIT = 50
SUMMARY_WORDS = 60


def _summary(text: str) -> str:
    """Plain text, shortened, as the HTML an Atom ``<summary type="html">`` holds: escaped once here (so that
    ``<`` in an item's summary stays a character), and once more by the XML writer."""
    return escape(Truncator(" ".join(text.split())).words(SUMMARY_WORDS))


class _PublicFeed(Feed):
    """Atom; the feed's ``xml:lang`` is the active language (Django's default); entry ids are the permalinks.

    One instance serves every request (it lives in the URLconf): nothing per request is kept on ``self``."""

    feed_type = Atom1Feed

    def author_name(self) -> str:
        return settings.SITE_NAME

    def item_title(self, item: Any) -> str:  # plain text: the XML writer escapes it (Django's default escapes twice)
        return item.feed_title


# ------------------------------------------------------------------------------------------------- report versions


class ReportVersionsFeed(_PublicFeed):
    def title(self) -> str:
        return _("%(site)s: new report versions") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        return _("Every version of a shadow report, as it becomes public.")

    def link(self) -> str:
        return reverse("monitoring:report_list")

    def items(self) -> list[Any]:
        report = KeyTransform("report", "snapshot")
        rows = list(
            ReportVersion.objects.visible()
            .select_related("report")
            .only("number", "published_at", "public_from", "change_note", "report__slug")
            .annotate(
                since=Greatest("published_at", Coalesce("public_from", "published_at")),
                title_es=KeyTextTransform("title", report),
                title_en=KeyTextTransform("title_en", report),
                summary_html=KeyTextTransform("executive_summary_html", report),
                authors=KeyTransform("organisations", report),
            )
            .order_by(F("since").desc(), "-pk")[:LIMIT]
        )
        lang = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
        for row in rows:
            title = (row.title_en if lang == "en" else None) or row.title_es or row.report.slug
            row.feed_title = _("%(title)s, version %(number)s") % {"title": title, "number": row.number}
        return rows

    def item_link(self, item: Any) -> str:
        return reverse("monitoring:report_version", kwargs={"slug": item.report.slug, "number": item.number})

    def item_description(self, item: Any) -> str:
        note = item.change_note.strip()
        text = strip_tags(item.summary_html or "")
        return _summary(f"{note} — {text}" if note and text else note or text)

    def item_pubdate(self, item: Any) -> Any:
        return item.since

    def item_updateddate(self, item: Any) -> Any:
        return item.since

    def item_author_name(self, item: Any) -> str:
        authors = item.authors or []
        return ", ".join(str(o.get("name", "")) for o in authors if isinstance(o, dict)) or settings.SITE_NAME


# ------------------------------------------------------------------------------------------------------- evidence


class EvidenceFeed(_PublicFeed):
    """New public evidence of the whole site; subclasses narrow it to an indicator or an institution."""

    def title(self, obj: Any = None) -> str:
        return _("%(site)s: new public evidence") % {"site": settings.SITE_NAME}

    def subtitle(self, obj: Any = None) -> str:
        return _("Evidence approved by the moderators and published by the organisations that logged it.")

    def link(self, obj: Any = None) -> str:
        return reverse("monitoring:evidence_public_list")

    def evidence(self, obj: Any) -> EvidenceQuerySet:
        return Evidence.objects.public()

    def items(self, obj: Any = None) -> list[Evidence]:
        rows = list(
            self.evidence(obj)
            .public()  # again: a narrowing queryset can never widen what is public
            .select_related("organisation")
            .only("uuid", "title", "summary", "created_at", "updated_at", "organisation__name")
            .order_by("-updated_at", "-pk")[:LIMIT]
        )
        for row in rows:
            row.feed_title = row.title
        return rows

    def item_link(self, item: Evidence) -> str:
        return reverse("monitoring:evidence_detail", kwargs={"uuid": item.uuid})

    def item_description(self, item: Evidence) -> str:
        return _summary(item.summary)

    def item_pubdate(self, item: Evidence) -> Any:
        return item.created_at

    def item_updateddate(self, item: Evidence) -> Any:
        return item.updated_at

    def item_author_name(self, item: Evidence) -> str:
        return item.organisation.name


class IndicatorEvidenceFeed(EvidenceFeed):
    def get_object(self, request: HttpRequest, plan_slug: str, code: str) -> Indicator:
        return get_object_or_404(Indicator.objects.select_related("plan"), plan__slug=plan_slug, code=code)

    def title(self, obj: Any = None) -> str:
        return _("%(site)s: new public evidence on indicator %(code)s") % {"site": settings.SITE_NAME, "code": obj.code}

    def subtitle(self, obj: Any = None) -> str:
        return obj.tr("text")

    def link(self, obj: Any = None) -> str:
        return reverse("monitoring:indicator_detail", kwargs={"plan_slug": obj.plan.slug, "code": obj.code})

    def evidence(self, obj: Any) -> EvidenceQuerySet:
        return Evidence.objects.public().filter(public_indicator_rows__indicator=obj)


class InstitutionEvidenceFeed(EvidenceFeed):
    def get_object(self, request: HttpRequest, code: str) -> Institution:
        return get_object_or_404(Institution, code=code)

    def title(self, obj: Any = None) -> str:
        return _("%(site)s: new public evidence on %(institution)s") % {
            "site": settings.SITE_NAME,
            "institution": obj.tr("name"),
        }

    def subtitle(self, obj: Any = None) -> str:
        return _("Public evidence concerning this institution or answered by it.")

    def link(self, obj: Any = None) -> str:
        return reverse("monitoring:institution_detail", kwargs={"code": obj.code})

    def evidence(self, obj: Any) -> EvidenceQuerySet:
        concerned = Evidence.institutions.through.objects.filter(institution=obj).values("evidence_id")
        return Evidence.objects.public().filter(Q(pk__in=concerned) | Q(answering_institution=obj))
