"""Forms of the report editor: the report's texts, one indicator's assessment, a publication request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.forms.fields import measured_value_error, not_future
from monitoring.models import Assessment, Institution, Plan, Rating, Report, Unit
from portal.fields import TextField
from portal.models import Organisation
from portal.widgets import DateInput, DateTimeInput

MARKDOWN_MAX = 20_000
MARKDOWN_HELP = gettext_lazy("Markdown: **bold**, *italic*, lists, [links](https://…). HTML is shown as text.")


class ReportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300)
    slug = forms.SlugField(
        label=gettext_lazy("Address (slug)"),
        max_length=100,
        help_text=gettext_lazy("Letters, digits and hyphens; part of the permanent address. Cannot change later."),
    )
    plan = forms.ModelChoiceField(label=gettext_lazy("Plan"), queryset=Plan.objects.all())
    period_start = forms.DateField(label=gettext_lazy("Period covered from"), widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("Period covered to"), widget=DateInput())
    organisations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Authoring organisations"),
        queryset=Organisation.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Their reviewers can edit the report and approve its publication. An organisation you do not review for "
            "is only invited: it becomes an author when one of its reviewers accepts."
        ),
    )
    executive_summary = TextField(
        label=gettext_lazy("Executive summary"),
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )
    methodology = TextField(
        label=gettext_lazy("Methodology"),
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )
    recommendations = TextField(
        label=gettext_lazy("Recommendations"),
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=MARKDOWN_HELP,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("slug", "plan", "organisations"):
                del self.fields[name]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if Report.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another report already uses this address."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end of the period is before its start."))
        return data

    def report_fields(self) -> dict[str, Any]:
        names = [
            "title",
            "slug",
            "plan",
            "period_start",
            "period_end",
            "executive_summary",
            "methodology",
            "recommendations",
        ]
        return {n: self.cleaned_data[n] for n in names if n in self.cleaned_data}


class AssessmentForm(forms.Form):
    """One indicator's assessment; rendered many times on a pillar page, each with its own prefix."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.ChoiceField(label=gettext_lazy("Rating"), choices=[("", "—"), *Rating.choices], required=False)
    observed_value = forms.DecimalField(
        label=gettext_lazy("Observed value"), required=False, max_digits=16, decimal_places=2
    )
    narrative = TextField(
        label=gettext_lazy("Narrative"),
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=MARKDOWN_HELP,
    )
    cited = forms.MultipleChoiceField(
        label=gettext_lazy("Cite evidence"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reply_institution = forms.ModelChoiceField(
        label=gettext_lazy("Replying institution"), queryset=Institution.objects.none(), required=False
    )
    reply_text = TextField(
        label=gettext_lazy("The government's reply"),
        required=False,
        max_length=MARKDOWN_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply_received_on = forms.DateField(label=gettext_lazy("Reply received on"), required=False, widget=DateInput())
    reply_requested_on = forms.DateField(
        label=gettext_lazy("Reply requested on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("If the institution has not replied, the page says “requested on … — no reply”."),
    )

    def __init__(self, *args: Any, assessment: Assessment, evidence: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"a{assessment.pk}")
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        self.evidence = {str(e.pk): e for e in evidence}
        fields: dict[str, Any] = self.fields
        fields["cited"].choices = [(str(e.pk), e.title) for e in evidence]
        fields["reply_institution"].queryset = Institution.objects.filter(plan_roles__plan_id=assessment.report.plan_id)
        if assessment.indicator.unit not in (Unit.COUNT, Unit.PERCENTAGE):
            del self.fields["observed_value"]

    def clean_reply_received_on(self) -> dt.date | None:
        return not_future(self.cleaned_data.get("reply_received_on"))

    def clean_reply_requested_on(self) -> dt.date | None:
        return not_future(self.cleaned_data.get("reply_requested_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("reply_text") or data.get("reply_received_on")) and not data.get("reply_institution"):
            self.add_error("reply_institution", _("Say which institution replied."))
        if data.get("reply_text") and not data.get("reply_received_on"):
            self.add_error("reply_received_on", _("Give the date the reply was received."))
        value = data.get("observed_value")
        error = measured_value_error(value, self.assessment.indicator.unit) if value is not None else None
        if error:
            self.add_error("observed_value", error)
        return data

    def assessment_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "rating": data.get("rating") or "",
            "observed_value": data.get("observed_value"),
            "narrative": data.get("narrative") or "",
            "reply_institution": data.get("reply_institution"),
            "reply_text": data.get("reply_text") or "",
            "reply_received_on": data.get("reply_received_on"),
            "reply_requested_on": data.get("reply_requested_on"),
        }

    def cited_evidence(self) -> list[Any]:
        return [self.evidence[pk] for pk in self.cleaned_data.get("cited") or [] if pk in self.evidence]


class PublicationRequestForm(forms.Form):
    change_note = TextField(
        label=gettext_lazy("Change note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required for a correction: what changed since the last version, and why."),
    )
    public_from = forms.DateTimeField(
        label=gettext_lazy("Public from (optional embargo)"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=gettext_lazy("Leave empty to publish as soon as a second reviewer approves."),
    )

    def __init__(self, *args: Any, correction: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.correction = correction

    def clean_change_note(self) -> str:
        note = self.cleaned_data.get("change_note") or ""
        if self.correction and not note.strip():
            raise forms.ValidationError(_("A correction needs a change note saying what changed and why."))
        return note
