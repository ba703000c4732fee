"""Turn a frozen report snapshot into what a page, a PDF or a CSV shows, in one language.

Pure functions over the snapshot: no database access, so a published version always looks
the same and costs no queries however many assessments or citations it holds.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from monitoring import reliability
from monitoring.models import RATING_STYLE, EvidenceKind, Rating, TargetComparator, TargetPeriod, Unit
from monitoring.partial_dates import display_period_iso

CHART_WIDTH = 300
BAR_AREA = 220


def _tr(data: dict[str, Any], base: str, lang: str) -> str:
    return str(data.get(f"{base}_{lang}") or data.get(f"{base}_es") or "")


def _num(value: str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _fmt(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    text = (
        format(value.normalize(), "f") if value == value.to_integral_value() else f"{value:.2f}".rstrip("0").rstrip(".")
    )
    return f"{text} %" if unit == Unit.PERCENTAGE else text


def rating_info(rating: str) -> dict[str, str]:
    style = RATING_STYLE.get(rating, RATING_STYLE[Rating.NO_INFORMATION])
    label = dict(Rating.choices).get(rating, Rating.NO_INFORMATION.label)
    return {"value": rating, "label": str(label), "icon": style["icon"], "colour": style["colour"]}


def chart(indicator: dict[str, Any], observed: Decimal | None) -> dict[str, Any] | None:
    """Geometry of a small horizontal bar chart: observed value against the target, with its text equivalent."""
    unit = indicator["unit"]
    if unit not in (Unit.COUNT, Unit.PERCENTAGE) or observed is None:
        return None
    target = _num(indicator.get("target_value"))
    top = Decimal(100) if unit == Unit.PERCENTAGE else max(observed, target or Decimal(0), Decimal(1)) * Decimal("1.1")
    scale = Decimal(BAR_AREA) / top

    def width(value: Decimal) -> int:
        return max(2, int(min(value, top) * scale))

    observed_label = _fmt(observed, unit)
    target_label = _fmt(target, unit) if target is not None else ""
    comparator = dict(TargetComparator.choices).get(indicator.get("target_comparator") or "", "")
    period = dict(TargetPeriod.choices).get(indicator.get("target_period") or "", "")
    if target is not None:
        text = _("Observed value: %(observed)s. Target: %(comparator)s %(target)s %(period)s.") % {
            "observed": observed_label,
            "comparator": comparator,
            "target": target_label,
            "period": period,
        }
    else:
        text = _("Observed value: %(observed)s. The plan sets no numeric target.") % {"observed": observed_label}
    return {
        "width": CHART_WIDTH,
        "observed_width": width(observed),
        "observed_label": observed_label,
        "target_x": 70 + width(target) if target is not None else None,
        "target_label": target_label,
        "text": " ".join(str(text).split()),
        "met": target is not None and observed >= target,
    }


_UUID_SLOT = "00000000-0000-0000-0000-000000000000"


def cited_list(evidence: list[dict[str, Any]]) -> SafeString:
    """The ``<li>`` of each cited item, built here rather than by the template: a report cites hundreds of items,
    and a template loop costs a URL reversal and a dozen node renders for each (most of a cold report page).
    Every value is escaped (``html.escape``, as Django's ``escape``) before the string is marked safe."""
    if not evidence:
        return SafeString("")
    prefix, _slot, suffix = reverse("monitoring:evidence_detail", kwargs={"uuid": _UUID_SLOT}).partition(_UUID_SLOT)
    source = escape(_("source"))
    scale_url = reliability.explanation_url()
    marks: dict[tuple[str, str], str] = {}
    items = []
    periods: dict[str, str] = {}
    for e in evidence:
        period = ""
        if e.get("period"):
            key = str(e["period"])
            period = periods.get(key) or periods.setdefault(key, display_period_iso(key))
        details = ", ".join(p for p in (e["kind_label"], period) if p) + f"; {e.get('organisation', '')}"
        link = (
            f' — <a href="{escape(e["source_url"])}" rel="noopener noreferrer nofollow">{source}</a>'
            if e.get("source_url")
            else ""
        )
        assessed = reliability.assessment_of(e)
        pair = (assessed.source, assessed.information)
        mark = marks.get(pair) or marks.setdefault(pair, reliability.mark_html(e, scale_url))
        items.append(
            f'<li><a href="{escape(prefix + str(e["uuid"]) + suffix)}">{escape(e["title"])}</a>'
            f' <span class="small text-muted">({escape(details)})</span>{link} · {mark}</li>'
        )
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped


def present(snapshot: dict[str, Any], lang: str) -> dict[str, Any]:
    """The view model of a report in ``lang`` (call inside translation.override(lang) for labels)."""
    with translation.override(lang):
        kinds = {value: str(label) for value, label in EvidenceKind.choices}
        pillars = []
        counts: Counter[str] = Counter()
        total = assessed = 0
        for pillar in snapshot["pillars"]:
            items = []
            for a in pillar["assessments"]:
                ind = a["indicator"]
                observed = _num(a.get("observed_value"))
                counts[a["rating"]] += 1
                total += 1
                assessed += 1 if a.get("assessed") else 0
                reply = a.get("reply") or {}
                institution = reply.get("institution")
                cited = [
                    {
                        **e,
                        "kind_label": kinds.get(e.get("kind") or "", ""),
                        "reliability_text": reliability.mark_text(e),
                    }
                    for e in a.get("evidence", [])
                ]
                items.append(
                    {
                        "code": ind["code"],
                        "anchor": f"ind-{ind['code']}".replace(".", "-"),
                        "text": _tr(ind, "text", lang),
                        "official": ind["official"],
                        "wording": ind["wording"],
                        "placement": ind["placement"],
                        "unit": ind["unit"],
                        "target_text": _tr(ind, "target_text", lang),
                        "rating": rating_info(a["rating"]),
                        "observed": _fmt(observed, ind["unit"]),
                        "chart": chart(ind, observed),
                        "narrative_html": a.get("narrative_html", ""),
                        "evidence": cited,
                        "cited_html": cited_list(cited),
                        "reply": {
                            "institution": _tr(institution, "name", lang) if institution else "",
                            "institution_code": institution["code"] if institution else "",
                            "text": reply.get("text", ""),
                            "received_on": reply.get("received_on"),
                            "requested_on": reply.get("requested_on"),
                        },
                    }
                )
            pillars.append({"code": pillar["code"], "name": _tr(pillar, "name", lang), "assessments": items})
        legend = [{**rating_info(value), "count": counts.get(value, 0)} for value in Rating.values]
        report = snapshot["report"]
        version = snapshot.get("version") or {}
        return {
            "report": report,
            "version": version,
            "plan": {
                **snapshot["plan"],
                "title": _tr(snapshot["plan"], "title", lang),
                "wording_note": _tr(snapshot["plan"], "wording_note", lang),
            },
            "pillars": pillars,
            "legend": legend,
            "total": total,
            "assessed": assessed,
            "authors": ", ".join(o["name"] for o in report["organisations"]),
        }


def citations(view: dict[str, Any], url: str) -> dict[str, str]:
    """APA-style and BibTeX citations of a version."""
    report, version = view["report"], view["version"]
    year = (version.get("published_at") or "")[:4] or "s.f."
    number = version.get("number")
    authors = view["authors"]
    apa = f"{authors}. ({year}). {report['title']} (v{number}). Observatorio 1325. {url}"
    key = f"{report['slug'].replace('-', '')}{year}v{number}"
    bibtex = (
        f"@techreport{{{key},\n"
        f"  author = {{{' and '.join('{' + o['name'] + '}' for o in report['organisations'])}}},\n"
        f"  title = {{{report['title']}}},\n"
        f"  institution = {{Observatorio 1325}},\n"
        f"  year = {{{year}}},\n"
        f"  version = {{{number}}},\n"
        f"  url = {{{url}}}\n"
        f"}}"
    )
    return {"apa": apa, "bibtex": bibtex}


def indicator_history(rows: list[Any], lang: str) -> list[dict[str, Any]]:
    """An indicator's rating in each published version (rows of ReportVersionIndicator, newest first)."""
    history = []
    with translation.override(lang):
        for row in rows:
            version, report = row.version, row.version.report
            reply = row.reply or {}
            institution = reply.get("institution")
            observed = row.observed_value
            history.append(
                {
                    "report_title": report.title,
                    "slug": report.slug,
                    "number": version.number,
                    "published_at": version.published_at,
                    "period": f"{report.period_start:%Y}–{report.period_end:%Y}",
                    "period_end": report.period_end.isoformat(),
                    "rating": rating_info(row.rating),
                    "observed": observed,
                    "observed_label": _fmt(observed, row.unit),
                    "anchor": f"ind-{row.code}".replace(".", "-"),
                    "reply_institution": _tr(institution, "name", lang) if institution else "",
                    "reply_text": reply.get("text", ""),
                    "reply_received_on": reply.get("received_on"),
                    "reply_requested_on": reply.get("requested_on"),
                }
            )
    return history


def series_chart(history: list[dict[str, Any]], target: Decimal | None, unit: str) -> dict[str, Any] | None:
    """Observed values across report periods (latest version of each report) against the target: bar geometry."""
    latest: dict[str, dict[str, Any]] = {}
    for item in history:  # newest first: keep the first seen per report
        if item["observed"] is not None and item["slug"] not in latest:
            latest[item["slug"]] = item
    points = sorted(latest.values(), key=lambda i: i["period_end"])
    if not points or unit not in (Unit.COUNT, Unit.PERCENTAGE):
        return None
    top = (
        Decimal(100)
        if unit == Unit.PERCENTAGE
        else max([p["observed"] for p in points] + [target or Decimal(0), Decimal(1)]) * Decimal("1.15")
    )
    height, bar, gap, left = 140, 46, 24, 40
    bars = []
    for index, point in enumerate(points):
        h = int(min(point["observed"], top) / top * height)
        x = left + index * (bar + gap)
        bars.append(
            {
                "x": x,
                "y": 10 + height - h,
                "h": max(h, 2),
                "w": bar,
                "label": point["observed_label"],
                "period": point["period"],
                "cx": x + bar // 2,
            }
        )
    target_y = 10 + height - int(min(target, top) / top * height) if target is not None else None
    return {
        "width": left + len(points) * (bar + gap) + 20,
        "height": height + 40,
        "base": 10 + height,
        "bars": bars,
        "target_y": target_y,
        "target_label": _fmt(target, unit) if target is not None else "",
        "rows": points,
    }
