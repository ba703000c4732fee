"""Downloads of a published version: CSV, JSON and PDF, all derived from the frozen snapshot."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from monitoring.presentation import citations, present

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PDF_BASE_URL = "https://observatorio1325.invalid/"


def neutralise(value: Any) -> str:
    """Stop spreadsheets from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


CSV_COLUMNS = [
    "report",
    "version",
    "pillar",
    "indicator",
    "indicator_text",
    "official",
    "rating",
    "rating_label",
    "observed_value",
    "target",
    "narrative_markdown",
    "evidence_titles",
    "evidence_sources",
    "reply_institution",
    "reply_text",
    "reply_received_on",
    "reply_requested_on",
    "evidence_files_sha256",
]


def files_cell(evidence: list[dict[str, Any]]) -> str:
    """The cited evidence's files: "name sha256:<hex>", plus the as-uploaded hash when metadata was removed."""
    parts = []
    for e in evidence:
        for f in e.get("attachments", []):  # versions published before December 2026 have none
            text = f"{f['name']} sha256:{f['sha256']}"
            if f.get("original_sha256") and f["original_sha256"] != f["sha256"]:
                text += f" (as uploaded: {f['original_sha256']})"
            parts.append(text)
    return " | ".join(parts)


def version_csv(snapshot: dict[str, Any], lang: str) -> bytes:
    """One row per assessment, UTF-8 with a BOM so that Excel reads accents right."""
    view = present(snapshot, lang)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    raw = {(p["code"], a["indicator"]["code"]): a for p in snapshot["pillars"] for a in p["assessments"]}
    for pillar in view["pillars"]:
        for a in pillar["assessments"]:
            source = raw[(pillar["code"], a["code"])]
            writer.writerow(
                [
                    neutralise(v)
                    for v in [
                        view["report"]["slug"],
                        view["version"].get("number"),
                        pillar["code"],
                        a["code"],
                        a["text"],
                        "yes" if a["official"] else "no",
                        a["rating"]["value"],
                        a["rating"]["label"],
                        source.get("observed_value") or "",
                        a["target_text"],
                        source.get("narrative", ""),
                        " | ".join(e["title"] for e in a["evidence"]),
                        " | ".join(e["source_url"] or "" for e in a["evidence"]),
                        a["reply"]["institution_code"],
                        a["reply"]["text"],
                        a["reply"]["received_on"] or "",
                        a["reply"]["requested_on"] or "",
                        files_cell(source.get("evidence", [])),
                    ]
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def version_json(snapshot: dict[str, Any]) -> bytes:
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def resolve_static(url: str) -> tuple[bytes, str]:
    """The PDF renderer may load the portal's own static files and nothing else (no network, no disk)."""
    parsed = urlparse(url)
    base = urlparse(PDF_BASE_URL)
    if parsed.scheme != base.scheme or parsed.netloc != base.netloc or not parsed.path.startswith(settings.STATIC_URL):
        raise ValueError(f"refused to fetch {url!r} while rendering a PDF")
    relative = parsed.path[len(settings.STATIC_URL) :]
    if ".." in relative or relative.startswith("/"):
        raise ValueError(f"refused path {relative!r}")
    path = finders.find(relative)
    if not path:
        raise ValueError(f"no static file {relative!r}")
    with open(path if isinstance(path, str) else path[0], "rb") as handle:
        data = handle.read()
    mime = {"css": "text/css", "woff": "font/woff", "svg": "image/svg+xml", "png": "image/png"}.get(
        relative.rsplit(".", 1)[-1], "application/octet-stream"
    )
    return data, mime


def version_pdf(snapshot: dict[str, Any], lang: str, url: str) -> bytes:
    # Imported lazily: heavy, and only PDF downloads need it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            data, mime = resolve_static(url)
            return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})

    with translation.override(lang):
        view = present(snapshot, lang)
        html = render_to_string(
            "monitoring/report_print.html",
            {"view": view, "cite": citations(view, url), "url": url, "LANGUAGE_CODE": lang},
        )
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return bytes(document.write_pdf() or b"")
