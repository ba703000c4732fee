"""Filters of the public evidence list, shared by the page, the API and the CSV download.

Every filter narrows `Evidence.objects.public()`: nothing here can widen what the public sees,
and unknown values simply match nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from monitoring import search
from monitoring.models import Evidence, EvidenceKind, Institution, Pillar, Plan, Region

MAX_CODE = 40


class PublicEvidenceFilterForm(forms.Form):
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
        """Apply valid filters; an invalid value filters nothing out rather than failing."""
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = self.cleaned_data
        if data.get("plan"):
            queryset = queryset.filter(plan__slug=data["plan"].strip())
        if data.get("pillar"):
            queryset = queryset.filter(indicators__pillar__code=data["pillar"].strip().upper())
        if data.get("indicator"):
            queryset = queryset.filter(indicators__code=data["indicator"].strip().upper())
        if data.get("institution"):
            queryset = queryset.filter(institutions__code=data["institution"].strip().upper())
        if data.get("state"):
            queryset = queryset.filter(regions__code=data["state"].strip().upper())
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("year"):
            queryset = queryset.filter(period_start__year__lte=data["year"], period_end__year__gte=data["year"])
        if data.get("pillar") or data.get("indicator") or data.get("institution") or data.get("state"):
            queryset = queryset.distinct()
        if data.get("q"):
            queryset = search.search(queryset, data["q"])
        return queryset
