"""Source reliability and information credibility (docs/RELIABILITY.md): the labels of an item's assessment, read
from an ``Evidence`` or from a cited item of a published snapshot, and the mark's HTML for lists built in Python
(presentation.cited_list). No database access."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from monitoring.models import InformationCredibility, SourceReliability

__all__ = ["NOT_ASSESSED", "Assessment", "InformationCredibility", "SourceReliability", "assessment_of", "mark_html"]

FIELDS = ("source_reliability", "information_credibility")
# The filter value of "not assessed" on the public list, the API and the CSV (a blank field).
NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Assessment:
    source: str
    information: str

    @property
    def assessed(self) -> bool:
        return bool(self.source or self.information)

    @property
    def source_label(self) -> str:
        return label(SourceReliability, self.source)

    @property
    def information_label(self) -> str:
        return label(InformationCredibility, self.information)


def label(choices: type[SourceReliability] | type[InformationCredibility], value: str) -> str:
    """The value's label in the active language; "not assessed" when blank or unknown (an old or odd snapshot)."""
    if value in choices.values:
        return str(choices(value).label)
    return _("not assessed")


def _value(item: Any, field: str, valid: list[str]) -> str:
    value = item.get(field) if isinstance(item, dict) else getattr(item, field, "")
    return value if isinstance(value, str) and value in valid else ""  # an old or odd snapshot: not assessed


def assessment_of(item: Any) -> Assessment:
    return Assessment(
        source=_value(item, FIELDS[0], SourceReliability.values),
        information=_value(item, FIELDS[1], InformationCredibility.values),
    )


def explanation_url() -> str:
    return reverse("monitoring:reliability_scale")


def mark_text(item: Any) -> str:
    """The mark's words, as templates/components/_reliability.html says them (the PDF prints them)."""
    a = assessment_of(item)
    if a.assessed:
        return _("Source: %(source)s · Information: %(information)s") % {
            "source": a.source_label.lower(),
            "information": a.information_label.lower(),
        }
    return _("Reliability: not assessed")


def mark_html(item: Any, url: str) -> str:
    """The mark as escaped HTML, the same as templates/components/_reliability.html renders."""
    text = mark_text(item)
    return (
        f'<span class="reliability-mark small">{escape(text)}'
        f' (<a href="{escape(url)}">{escape(_("what this means"))}</a>)</span>'
    )
