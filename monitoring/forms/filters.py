"""Every filter bar: the public evidence list (page, API and CSV), members' evidence and the moderation queue (the
audit log's: monitoring/forms/audit.py). Each form's ``apply(queryset)`` only narrows the queryset it is given;
unknown or malformed values are ignored (or match nothing), never an error page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from monitoring import search
from monitoring.models import (
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Institution,
    Pillar,
    Plan,
    Region,
    Visibility,
)
from monitoring.reliability import NOT_ASSESSED, InformationCredibility, SourceReliability
from portal.models import Organisation

MAX_CODE = 40
AGE_CHOICES = [
    ("", gettext_lazy("Any age")),
    ("1", gettext_lazy("Waiting over 1 day")),
    ("3", gettext_lazy("Waiting over 3 days")),
    ("7", gettext_lazy("Waiting over a week")),
    ("14", gettext_lazy("Waiting over two weeks")),
]


class CompactFilters:
    """Filter bars: small Bootstrap controls on every field."""

    fields: dict[str, forms.Field]

    def style_fields(self) -> None:
        for field in self.fields.values():
            is_choice = isinstance(field, forms.ChoiceField)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_choice else "form-control form-control-sm"


class PublicEvidenceFilterForm(forms.Form):
    """Filters of the public evidence list, shared by the page, the API and the CSV download.

    ``apply`` narrows `Evidence.objects.public()`: nothing here can widen what the public sees.
    """

    # Codes are free text: an unknown code matches nothing (it is not an error); only a malformed year or an
    # over-long value is refused.
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=search.MAX_QUERY)
    plan = forms.CharField(label=gettext_lazy("Plan"), required=False, max_length=MAX_CODE)
    pillar = forms.CharField(label=gettext_lazy("Pillar"), required=False, max_length=MAX_CODE)
    indicator = forms.CharField(label=gettext_lazy("Indicator code"), required=False, max_length=MAX_CODE)
    institution = forms.CharField(label=gettext_lazy("Institution"), required=False, max_length=MAX_CODE)
    state = forms.CharField(label=gettext_lazy("State"), required=False, max_length=MAX_CODE)
    kind = forms.CharField(label=gettext_lazy("Kind"), required=False, max_length=MAX_CODE)
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=1900, max_value=2100)
    # The reliability assessment (docs/RELIABILITY.md): one value of its scale, or "not_assessed" (blank).
    source_reliability = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[
            ("", gettext_lazy("Any reliability")),
            *SourceReliability.choices,
            (NOT_ASSESSED, gettext_lazy("Not assessed")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Choose a reliability of the source from the list.")},
    )
    information_credibility = forms.ChoiceField(
        label=gettext_lazy("Information"),
        required=False,
        choices=[
            ("", gettext_lazy("Any credibility")),
            *InformationCredibility.choices,
            (NOT_ASSESSED, gettext_lazy("Not assessed")),
        ],
        error_messages={"invalid_choice": gettext_lazy("Choose a credibility of the information from the list.")},
    )

    def __init__(self, *args: Any, widgets: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        if widgets:  # the page shows menus; the API and CSV need no choices (and no queries for them)
            all_ = ("", gettext_lazy("All"))
            fields["plan"].widget = forms.Select(
                choices=[all_, *Plan.objects.order_by("slug").values_list("slug", "short_name")]
            )
            fields["pillar"].widget = forms.Select(
                choices=[all_]
                + [(c, c) for c in Pillar.objects.values_list("code", flat=True).distinct().order_by("code")]
            )
            fields["institution"].widget = forms.Select(
                choices=[all_] + [(c, c) for c in Institution.objects.order_by("code").values_list("code", flat=True)]
            )
            fields["state"].widget = forms.Select(choices=[all_] + [(r.code, r.name) for r in Region.objects.all()])
            fields["kind"].widget = forms.Select(choices=[all_, *EvidenceKind.choices])
        for field in fields.values():
            is_choice = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_choice else "form-control"

    def apply(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """Apply valid filters and the search (ordered: best first, or newest first); an invalid value filters
        nothing out rather than failing."""
        queryset = self.narrow(queryset)
        return search.search(queryset, self.query) if self.query else queryset

    @property
    def query(self) -> str:
        """The search words typed ("" when none, or when a value is invalid)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(self.cleaned_data.get("q") or "")

    def narrow(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """Apply the valid filters but not the search, and order nothing (see monitoring.search.listing()).

        A filter on a link (indicator, pillar, institution, state) is an EXISTS on the link table, not a join:
        no duplicate rows to remove with DISTINCT, so a page of the newest items can be read in index order.
        """
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = self.cleaned_data
        links = Evidence.indicators.through.objects.filter(evidence_id=OuterRef("pk"))
        if data.get("plan"):
            queryset = queryset.filter(plan__slug=data["plan"].strip())
        if data.get("pillar"):
            queryset = queryset.filter(Exists(links.filter(indicator__pillar__code=data["pillar"].strip().upper())))
        if data.get("indicator"):
            queryset = queryset.filter(Exists(links.filter(indicator__code=data["indicator"].strip().upper())))
        if data.get("institution"):
            institutions = Evidence.institutions.through.objects.filter(evidence_id=OuterRef("pk"))
            queryset = queryset.filter(
                Exists(institutions.filter(institution__code=data["institution"].strip().upper()))
            )
        if data.get("state"):
            regions = Evidence.regions.through.objects.filter(evidence_id=OuterRef("pk"))
            queryset = queryset.filter(Exists(regions.filter(region__code=data["state"].strip().upper())))
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("year"):
            queryset = queryset.filter(period_start__year__lte=data["year"], period_end__year__gte=data["year"])
        for field in ("source_reliability", "information_credibility"):
            if data.get(field):
                queryset = queryset.filter(**{field: "" if data[field] == NOT_ASSESSED else data[field]})
        return queryset


class EvidenceFilterForm(CompactFilters, forms.Form):
    """Filters and search of 'My organisation's evidence' (the page and its exports). Unknown values are ignored,
    never an error page; search words that cannot be searched (too long, a NUL byte) match nothing and say why
    beside the field."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=search.MAX_QUERY)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("All")), *EvidenceStatus.choices]
    )
    indicator = forms.CharField(label=gettext_lazy("Indicator code"), required=False, max_length=20)
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=1990, max_value=2100)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All")), *EvidenceKind.choices]
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), required=False, choices=[("", gettext_lazy("All")), *Visibility.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    @property
    def query(self) -> str:
        """The search words typed ("" when none, or when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get("q") or "")

    def apply(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """``narrow()``, ordered: best first when the search words are rare (monitoring.search.search), newest
        source first when they are common, newest logged first without words."""
        queryset = self.narrow(queryset)
        if search.terms(self.query):  # words to search ("a" or punctuation alone are none)
            return search.search(queryset, self.query)
        return queryset.order_by("-created_at", "-pk")

    def narrow(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """The organisations' evidence narrowed by the valid filters and the search words, not ordered (all of it
        when a filter is invalid; none when the search words are). A filter on indicators is an EXISTS, not a
        join: no duplicate rows."""
        if not self.is_valid():
            return queryset.none() if "q" in self.errors else queryset
        data = self.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["visibility"]:
            queryset = queryset.filter(visibility=data["visibility"])
        if data["indicator"]:
            links = Evidence.indicators.through.objects.filter(evidence_id=OuterRef("pk"))
            queryset = queryset.filter(Exists(links.filter(indicator__code=data["indicator"].strip().upper())))
        if data["year"]:
            queryset = queryset.filter(period_start__year__lte=data["year"], period_end__year__gte=data["year"])
        if data["q"]:
            queryset = search.matching(queryset, data["q"])
        return queryset


class QueueFilterForm(CompactFilters, forms.Form):
    """Filters of the moderation queue: one status at a time, submitted items unless another status is chosen."""

    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[(s.value, s.label) for s in EvidenceStatus if s != EvidenceStatus.DRAFT],
    )
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=search.MAX_QUERY)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.all(), required=False, to_field_name="slug"
    )
    indicator = forms.CharField(label=gettext_lazy("Indicator code"), required=False, max_length=20)
    pillar = forms.CharField(label=gettext_lazy("Pillar code"), required=False, max_length=20)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All")), *EvidenceKind.choices]
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), required=False, choices=[("", gettext_lazy("All")), *Visibility.choices]
    )
    age = forms.ChoiceField(label=gettext_lazy("Age"), required=False, choices=AGE_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_fields()

    @property
    def shown_status(self) -> str:
        """The status shown: the one chosen, or submitted."""
        if self.is_valid() and self.cleaned_data["status"]:
            return str(self.cleaned_data["status"])
        return EvidenceStatus.SUBMITTED

    @property
    def query(self) -> str:
        """The search words typed ("" when none, or when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return ""
        return str(self.cleaned_data.get("q") or "")

    def apply(self, queryset: QuerySet[Evidence]) -> QuerySet[Evidence]:
        """Items of the status shown, narrowed by the valid filters and the search words (the same engine as the
        public list: monitoring.search), not ordered. A malformed filter filters nothing else out; search words
        that cannot be searched (too long, a NUL byte) match nothing and say why beside the field."""
        if self.is_bound and not self.is_valid() and "q" in self.errors:
            return queryset.none()
        if self.is_valid():
            data = self.cleaned_data
            if data["q"]:
                queryset = search.matching(queryset, data["q"])
            if data["organisation"]:
                queryset = queryset.filter(organisation=data["organisation"])
            if data["indicator"]:
                queryset = queryset.filter(indicators__code=data["indicator"].strip().upper())
            if data["pillar"]:
                queryset = queryset.filter(indicators__pillar__code=data["pillar"].strip().upper())
            if data["kind"]:
                queryset = queryset.filter(kind=data["kind"])
            if data["visibility"]:
                queryset = queryset.filter(visibility=data["visibility"])
            if data["age"]:
                queryset = queryset.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=int(data["age"])))
        return queryset.filter(status=self.shown_status)
