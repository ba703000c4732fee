"""Logging and editing evidence: drafts need only a title, a submission everything moderators check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.files import ACCEPT_ATTRIBUTE, CheckedFile, check_uploads, clean_filename
from monitoring.forms.fields import (
    MultipleFileField,
    MultipleFileInput,
    files_help_text,
    indicator_choices,
    measured_value_error,
    strip_metadata_field,
)
from monitoring.models import (
    Evidence,
    EvidenceKind,
    EvidenceLanguage,
    Indicator,
    Institution,
    Plan,
    Region,
    Unit,
    Visibility,
)
from monitoring.partial_dates import PartialDate, PartialDateField, partial_date_columns
from monitoring.widgets import DisclosureCheckboxes
from portal.fields import TextField, plain_decimal
from portal.models import Organisation


class EvidenceForm(forms.Form):
    """Create or edit evidence. Drafts need only a title; a submission needs everything moderators check."""

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("The organisation this evidence is logged for."),
    )
    indicators = forms.MultipleChoiceField(
        label=gettext_lazy("Indicators"),
        widget=DisclosureCheckboxes,
        required=False,
        help_text=gettext_lazy("Tick every indicator this evidence speaks to."),
    )
    period_start = PartialDateField(
        label=gettext_lazy("Period reported on"),
        required=False,
        help_text=gettext_lazy(
            "The year, month or day the figure or fact refers to: 2021, 2021-04 (or “April 2021”) or 2021-04-15. "
            "For a longer period, give its start here and its end below."
        ),
    )
    period_end = PartialDateField(
        label=gettext_lazy("Until (optional)"),
        required=False,
        help_text=gettext_lazy("The end of a longer period, in the same way: 2022, 2022-06 or 2022-06-30."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of evidence"), choices=[("", "—"), *EvidenceKind.choices], required=False
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=300,
        help_text=gettext_lazy("A short, factual title, e.g. “SEMAR: 50% women among personnel deployed in 2022”."),
    )
    summary = TextField(
        label=gettext_lazy("Summary"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "What the source says, and any caveat a reviewer should know (cumulative, one institution only…)."
        ),
    )
    source_url = forms.URLField(
        label=gettext_lazy("Source URL"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=gettext_lazy("Where the source can be read: an address starting with http:// or https://."),
    )
    source_date = PartialDateField(
        label=gettext_lazy("Source date"),
        required=False,
        help_text=gettext_lazy(
            "When the source was published or the answer received, as precisely as the source says: "
            "2023, 2021-04 (or “April 2021”) or 2021-04-15."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the source"),
        choices=[("", "—"), *EvidenceLanguage.choices],
        required=False,
    )
    reported_value = forms.DecimalField(
        label=gettext_lazy("Reported value"),
        required=False,
        max_digits=16,
        decimal_places=2,
        help_text=gettext_lazy("Only for indicators measured as a number or a percentage."),
    )
    regions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("States concerned"),
        queryset=Region.objects.all(),
        required=False,
        widget=DisclosureCheckboxes(summary=gettext_lazy("Choose states (or national, abroad)")),
    )
    institutions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Institutions concerned"),
        queryset=Institution.objects.all(),
        required=False,
        widget=DisclosureCheckboxes(summary=gettext_lazy("Choose institutions")),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    strip_metadata = strip_metadata_field()
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see it once approved"),
        choices=Visibility.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Public: anyone. Reviewers only: reviewers of every organisation. Confidential: your organisation "
            "and the moderators only. Choose confidential for anything that could identify or endanger a person."
        ),
    )

    creation_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    note = TextField(
        label=gettext_lazy("Note for the moderators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Sent with the submission; useful when you answer a request for changes."),
    )

    def __init__(
        self,
        *args: Any,
        plan: Plan,
        organisations: Any,
        submitting: bool = False,
        evidence: Evidence | None = None,
        oversized: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.submitting = submitting
        self.evidence = evidence
        self.oversized = oversized or []
        self.checked_files: list[CheckedFile] = []
        self.save_failed = False  # set by the view when the database or storage failed
        fields: dict[str, Any] = self.fields
        fields["organisation"].queryset = organisations
        if evidence is not None or organisations.count() == 1:
            del self.fields["organisation"]
        fields["indicators"].choices = indicator_choices(plan)
        fields["institutions"].queryset = Institution.objects.filter(plan_roles__plan=plan).order_by("code")
        fields["institutions"].label_from_instance = lambda inst: f"{inst.code} — {inst.name}"
        fields["regions"].label_from_instance = lambda region: region.name
        self.fields["attachments"].help_text = files_help_text()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(["organisation"] if "organisation" in self.fields else []),
            Fieldset(
                _("What it is about"),
                "indicators",
                Div(
                    Div("period_start", css_class="col-sm-6"),
                    Div("period_end", css_class="col-sm-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("The source"),
                "kind",
                "title",
                "summary",
                "source_url",
                Div(Div("source_date", css_class="col-sm-6"), Div("language", css_class="col-sm-6"), css_class="row"),
            ),
            Fieldset(
                _("What it reports"),
                "reported_value",
                "regions",
                "institutions",
            ),
            Fieldset(_("Files"), "attachments", "strip_metadata"),
            Fieldset(_("Visibility"), "visibility"),
            "note",
            "creation_key",
        )

    # -- field rules ---------------------------------------------------------------------------

    def clean_title(self) -> str:
        return str(self.cleaned_data["title"]).strip()

    def clean_source_date(self) -> PartialDate | None:
        value: PartialDate | None = self.cleaned_data.get("source_date")
        if value and value.first_day > timezone.localdate():
            raise forms.ValidationError(_("The source date cannot be in the future."))
        return value

    def clean_indicators(self) -> list[Indicator]:
        ids = self.cleaned_data.get("indicators") or []
        indicators = list(Indicator.objects.active().filter(plan=self.plan, pk__in=ids))
        if len(indicators) != len(set(ids)):
            raise forms.ValidationError(_("Choose indicators of this plan only."))
        return indicators

    def clean_attachments(self) -> list[Any]:
        uploads = self.cleaned_data.get("attachments") or []
        self.checked_files = []
        self.checked_files = check_uploads(
            uploads,
            existing=list(self.evidence.attachments.all()) if self.evidence else [],
            oversized=self.oversized,
            strip_metadata=bool(self.data.get("strip_metadata")),
        )
        return uploads

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._clean_period(data)
        self._clean_value(data)
        if self.submitting:
            self._require_for_submission(data)
        return data

    def _clean_period(self, data: dict[str, Any]) -> None:
        start: PartialDate | None = data.get("period_start")
        end: PartialDate | None = data.get("period_end")
        if end and not start and "period_start" not in self.errors:
            self.add_error("period_start", _("Give the start of the period too."))
            return
        if start and start.first_day > timezone.localdate():
            self.add_error("period_start", _("The period cannot start in the future."))
        elif start and end and end.last_day < start.first_day:
            self.add_error("period_end", _("The end of the period is before its start."))

    def _clean_value(self, data: dict[str, Any]) -> None:
        value: Decimal | None = data.get("reported_value")
        data["value_unit"] = ""
        if value is None:
            return
        indicators = data.get("indicators") or []
        units = {ind.unit for ind in indicators}
        if not indicators:
            self.add_error("reported_value", _("Choose the indicator this value measures."))
            return
        if not units <= {Unit.COUNT, Unit.PERCENTAGE}:
            self.add_error(
                "reported_value", _("A value can only be given for indicators measured as a number or a percentage.")
            )
            return
        if len(units) > 1:
            self.add_error(
                "reported_value", _("The chosen indicators use different units; log the value once per unit.")
            )
            return
        unit = units.pop()
        error = measured_value_error(value, unit)
        if error:
            self.add_error("reported_value", error)
        data["value_unit"] = unit

    def _require_for_submission(self, data: dict[str, Any]) -> None:
        required = {
            "indicators": _("Choose at least one indicator."),
            "kind": _("Say what kind of evidence this is."),
            "summary": _("Summarise what the source says."),
            "source_date": _("Give the date of the source."),
            "language": _("Say which language the source is in."),
            "visibility": _("Choose who can see this evidence."),
        }
        for name, message in required.items():
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        if not data.get("period_start") and "period_start" not in self.errors and "period_end" not in self.errors:
            self.add_error("period_start", _("Give the year, month or day reported on."))
        has_files = bool(self.checked_files) or bool(self.evidence and self.evidence.attachments.exists())
        if not data.get("source_url") and not has_files and "source_url" not in self.errors:
            self.add_error("source_url", _("Give a source URL or attach the document."))

    # -- output ---------------------------------------------------------------------------------

    def evidence_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "plan": self.plan,
            "indicators": data["indicators"],
            "regions": list(data.get("regions") or []),
            "institutions": list(data.get("institutions") or []),
            "kind": data.get("kind") or "",
            "title": data["title"],
            "summary": data.get("summary") or "",
            "source_url": data.get("source_url") or "",
            **partial_date_columns(
                source=data.get("source_date"), start=data.get("period_start"), end=data.get("period_end")
            ),
            "reported_value": data.get("reported_value"),
            "value_unit": data.get("value_unit") or "",
            "language": data.get("language") or "es",
            "visibility": data.get("visibility") or Visibility.CONFIDENTIAL,
        }

    def files_to_choose_again(self) -> list[str]:
        """Names of files sent with a form that failed: browsers cannot keep them, so say which."""
        if not self.is_bound or not (self.errors or self.save_failed):
            return []
        return [clean_filename(f.name or "") for f in self.files.getlist("attachments")]


def initial_from(evidence: Evidence) -> dict[str, Any]:
    """The edit form's starting values."""
    return {
        "indicators": [str(pk) for pk in evidence.indicators.values_list("pk", flat=True)],
        "period_start": evidence.period_from,
        "period_end": evidence.period_to if evidence.period_to != evidence.period_from else None,
        "kind": evidence.kind,
        "title": evidence.title,
        "summary": evidence.summary,
        "source_url": evidence.source_url,
        "source_date": evidence.source_when,
        "language": evidence.language,
        # As typed: 22, not the column's 22.00.
        "reported_value": plain_decimal(evidence.reported_value),
        "regions": list(evidence.regions.all()),
        "institutions": list(evidence.institutions.all()),
        "visibility": evidence.visibility,
    }
