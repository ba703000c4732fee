"""Tombstones: what stays at the public address of an evidence item withdrawn after a published version cited it.

A published version is immutable, so its citation of an item outlives the item's withdrawal. The item's page then
answers *410 Gone* (HTML and API alike: the address existed and was public, and is gone on purpose; search engines
drop a 410 faster than a 404 and a 410 is never kept by the public page cache) with a record that says only this:
that it was withdrawn, on which date, why in public terms, and which published versions cite it. Nothing else of the
item is shown, not even its title: what was public of it is in those versions. An item that was never cited by a
public version (so was never public through a report) stays a 404, whatever its status.

The reason given when withdrawing is written for the item's organisation and moderators and may quote what is not
public, so it never appears here; the public reason is the same sentence for every tombstone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import EntryKind, Evidence, EvidenceStatus, ModerationEntry, ReportVersion


@dataclass
class Tombstone:
    uuid: str
    withdrawn_on: dt.date | None
    reason: str
    cited_by: list[dict[str, Any]] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "status": "withdrawn",
            "withdrawn_on": self.withdrawn_on.isoformat() if self.withdrawn_on else None,
            "reason": self.reason,
            "cited_by": [
                {"report": c["slug"], "title": c["title"], "version": c["number"], "url": c["url"]}
                for c in self.cited_by
            ],
        }


def public_reason() -> str:
    return _(
        "It was withdrawn by its organisation or by the observatory's moderators and is no longer part of the public "
        "evidence. The published versions that cite it keep their text as it was published."
    )


def get_tombstone(uuid: UUID | str) -> Tombstone:
    """The tombstone of a withdrawn item that a public version cites, or 404 (three queries)."""
    try:
        key = UUID(str(uuid))
    except ValueError as exc:
        raise Http404 from exc
    evidence = Evidence.objects.filter(uuid=key, status=EvidenceStatus.WITHDRAWN).only("pk", "uuid").first()
    if evidence is None:
        raise Http404
    versions = list(
        ReportVersion.objects.visible()
        .filter(citation_rows__evidence_uuid=key)
        .select_related("report")
        .only("number", "report__slug", "report__title")
        .order_by("report__title", "number")
    )
    if not versions:
        raise Http404  # never public through a report: nothing to say about it publicly
    withdrawn = (
        ModerationEntry.objects.filter(evidence=evidence, kind=EntryKind.WITHDRAWN)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return Tombstone(
        uuid=str(key),
        withdrawn_on=timezone.localtime(withdrawn).date() if withdrawn else None,
        reason=public_reason(),
        cited_by=[
            {
                "slug": v.report.slug,
                "title": v.report.title,
                "number": v.number,
                "url": reverse("monitoring:report_version", kwargs={"slug": v.report.slug, "number": v.number}),
            }
            for v in versions
        ],
    )
