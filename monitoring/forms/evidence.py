"""Logging and editing evidence: drafts need only a title, a submission everything moderators check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.core.validators import URLValidator
from django.db.models import Q
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
    ALL_KIND_FIELDS,
    KIND_FIELDS,
    AnswerType,
    BudgetStage,
    Disaggregation,
    Evidence,
    EvidenceKind,
    EvidenceLanguage,
    Indicator,
    InformationCredibility,
    Institution,
    Plan,
    Region,
    RiskLevel,
    SourceReliability,
    TransparencyRequest,
    Unit,
    Visibility,
)
from monitoring.partial_dates import PartialDate, PartialDateField, partial_date_columns
from monitoring.services.evidence import DEFAULT_CURRENCY, empty_kind_value, kind_missing
from monitoring.widgets import DisclosureCheckboxes, IndicatorPicker
from portal.fields import TextField, plain_decimal
from portal.models import Organisation
from portal.widgets import DateInput

FIRST_FISCAL_YEAR = 2000


def _kind_groups() -> list[tuple[tuple[str, ...], list[str]]]:
    """The kind fields grouped by the kinds that have them, in form order: a field two kinds share (the issuing
    body of official and budget documents) is shown once, in a fieldset for both."""
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for name in ALL_KIND_FIELDS:
        kinds = tuple(kind for kind, fields in KIND_FIELDS.items() if name in fields)
        if groups and groups[-1][0] == kinds:
            groups[-1][1].append(name)
        else:
            groups.append((kinds, [name]))
    return groups


def _request_label(request: TransparencyRequest) -> str:
    question = request.question if len(request.question) <= 60 else request.question[:59] + "…"
    return f"{request.institution.code} {request.folio} — {question}"


class EvidenceForm(forms.Form):
    """Create or edit evidence. Drafts need only a title; a submission needs everything moderators check."""

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        help_text=gettext_lazy("The organisation this evidence is logged for."),
    )
    indicators = forms.MultipleChoiceField(
        label=gettext_lazy("Indicators"),
        widget=IndicatorPicker,
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

    # -- fields of one kind only (KIND_FIELDS): shown under "Only for: <kind>", validated and saved for that kind --
    series_name = forms.CharField(
        label=gettext_lazy("Series or table"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("The name of the statistical series or table, as the producing body publishes it."),
    )
    disaggregation = forms.MultipleChoiceField(
        label=gettext_lazy("Disaggregated by"),
        choices=Disaggregation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick every dimension the figures are broken down by."),
    )
    producing_body = forms.CharField(
        label=gettext_lazy("Producing body"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Who produces the statistic, e.g. INEGI or the institution's own registry."),
    )
    folio = forms.CharField(
        label=gettext_lazy("Folio"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("The number the transparency platform gave the request."),
    )
    answering_institution = forms.ModelChoiceField(
        label=gettext_lazy("Answering institution"),
        queryset=Institution.objects.none(),
        required=False,
    )
    answer_type = forms.ChoiceField(
        label=gettext_lazy("Type of answer"), choices=[("", "—"), *AnswerType.choices], required=False
    )
    transparency_request = forms.ModelChoiceField(
        label=gettext_lazy("Request it answers"),
        queryset=TransparencyRequest.objects.none(),
        required=False,
        help_text=gettext_lazy("When the request is recorded in this portal: your organisation's requests."),
    )
    issuing_body = forms.CharField(
        label=gettext_lazy("Issuing body"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Who issued the document, e.g. the Secretaría de Hacienda."),
    )
    document_reference = forms.CharField(
        label=gettext_lazy("Document number or Official Gazette reference"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("E.g. the number of the official letter, or “DOF 29/11/2021”."),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        required=False,
        max_digits=18,
        decimal_places=2,
        help_text=gettext_lazy("In the currency below, without separators of thousands: 1250000.50."),
    )
    currency = forms.CharField(
        label=gettext_lazy("Currency"),
        required=False,
        max_length=3,
        initial=DEFAULT_CURRENCY,
        help_text=gettext_lazy("Its three-letter code: MXN (the default), USD…"),
    )
    fiscal_year = forms.IntegerField(label=gettext_lazy("Fiscal year"), required=False)
    budget_programme = forms.CharField(
        label=gettext_lazy("Budget programme key"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("The programme's key in the budget, e.g. E015."),
    )
    budget_stage = forms.ChoiceField(
        label=gettext_lazy("Budget stage"), choices=[("", "—"), *BudgetStage.choices], required=False
    )
    outlet = forms.CharField(
        label=gettext_lazy("Outlet"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("The newspaper, agency or programme. Its publication date is the source date above."),
    )
    author = forms.CharField(label=gettext_lazy("Author"), required=False, max_length=200)
    relays_source = forms.BooleanField(
        label=gettext_lazy("The report relays another source"),
        required=False,
        help_text=gettext_lazy("Tick it when the report repeats what someone else said or published."),
    )
    relayed_source = forms.CharField(
        label=gettext_lazy("Source relayed"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Who or what the report relays, e.g. a press release of SEMAR."),
    )
    consent_recorded = forms.BooleanField(
        label=gettext_lazy("The person's consent is recorded"),
        required=False,
        help_text=gettext_lazy("A testimony can only be submitted with recorded consent. Never shown publicly."),
    )
    consent_date = forms.DateField(label=gettext_lazy("Date of consent"), required=False, widget=DateInput())
    consent_recorded_by = forms.CharField(
        label=gettext_lazy("Consent recorded by"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Who in your organisation recorded it. Never shown publicly."),
    )
    pseudonym = forms.CharField(
        label=gettext_lazy("Pseudonym"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The name the testimony is cited under. Never the person's real name."),
    )
    risk_level = forms.ChoiceField(
        label=gettext_lazy("Risk level"),
        choices=[("", "—"), *RiskLevel.choices],
        required=False,
        help_text=gettext_lazy("The risk the person would run if identified. Never shown publicly."),
    )
    method = forms.CharField(
        label=gettext_lazy("Method"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("E.g. survey, interviews, review of case files."),
    )
    sample = forms.CharField(
        label=gettext_lazy("Sample"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Who or what was studied, and how many."),
    )
    fieldwork_start = forms.DateField(label=gettext_lazy("Fieldwork from"), required=False, widget=DateInput())
    fieldwork_end = forms.DateField(label=gettext_lazy("Fieldwork to"), required=False, widget=DateInput())

    # -- reliability (docs/RELIABILITY.md): the member's assessment, confirmed or changed by the moderator -------
    source_reliability = forms.ChoiceField(
        label=gettext_lazy("Reliability of the source"),
        choices=[("", gettext_lazy("Not assessed")), *SourceReliability.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Reliable: an official source, or one with a long record of accuracy. Usually reliable: accurate "
            "before, with occasional errors. Doubtful: a record of errors, or it repeats others without checking. "
            "Cannot be judged: too little is known about the source."
        ),
    )
    information_credibility = forms.ChoiceField(
        label=gettext_lazy("Credibility of the information"),
        choices=[("", gettext_lazy("Not assessed")), *InformationCredibility.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Confirmed: independent sources say the same. Probably true: consistent with what else is known, "
            "not confirmed elsewhere. Possibly true: plausible, nothing else supports it yet. Doubtful: other "
            "sources contradict it, or it is unlikely."
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
        self._kind_querysets(plan, organisations, evidence)
        fields["fiscal_year"].help_text = _("A year from %(first)s to %(last)s.") % {
            "first": FIRST_FISCAL_YEAR,
            "last": timezone.localdate().year + 1,
        }
        if (self.initial.get("kind") or "") == EvidenceKind.TESTIMONY and not self.initial.get("visibility"):
            self.initial["visibility"] = Visibility.CONFIDENTIAL
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
            *self._kind_fieldsets(),
            Fieldset(
                _("What it reports"),
                "reported_value",
                "regions",
                "institutions",
            ),
            Fieldset(_("Reliability"), "source_reliability", "information_credibility"),
            Fieldset(_("Files"), "attachments", "strip_metadata"),
            Fieldset(_("Visibility"), "visibility"),
            "note",
            "creation_key",
        )

    def _kind_querysets(self, plan: Plan, organisations: Any, evidence: Evidence | None) -> None:
        fields: dict[str, Any] = self.fields
        # The current value stays a choice even if it no longer would be (an institution dropped from the plan).
        current_institution = (
            Q(pk=evidence.answering_institution_id) if evidence and evidence.answering_institution_id else Q(pk__in=[])
        )
        fields["answering_institution"].queryset = (
            Institution.objects.filter(Q(plan_roles__plan=plan) | current_institution).distinct().order_by("code")
        )
        fields["answering_institution"].label_from_instance = lambda inst: f"{inst.code} — {inst.name}"
        owners = Organisation.objects.filter(pk=evidence.organisation_id) if evidence is not None else organisations
        current_request = (
            Q(pk=evidence.transparency_request_id) if evidence and evidence.transparency_request_id else Q(pk__in=[])
        )
        fields["transparency_request"].queryset = (
            TransparencyRequest.objects.filter(
                (Q(organisation__in=owners) & (Q(indicators__plan=plan) | Q(indicators__isnull=True))) | current_request
            )
            .distinct()
            .select_related("institution")
            .order_by("-filed_on", "pk")
        )
        fields["transparency_request"].label_from_instance = _request_label

    def _kind_fieldsets(self) -> list[Fieldset]:
        """One fieldset per group of kind fields, headed by the kinds it is for; evidence-kinds.js shows only the
        chosen kind's (``data-kinds``), and without JavaScript every one is shown."""
        labels = dict(EvidenceKind.choices)
        return [
            Fieldset(
                _("Only for: %(kinds)s") % {"kinds": "; ".join(str(labels[k]) for k in kinds)},
                *names,
                css_class="kind-fields",
                data_kinds=" ".join(kinds),
            )
            for kinds, names in _kind_groups()
        ]

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

    def clean_currency(self) -> str:
        value = str(self.cleaned_data.get("currency") or "").strip().upper()
        if value and not (len(value) == 3 and value.isascii() and value.isalpha()):
            raise forms.ValidationError(_("Give the currency as its three-letter code, e.g. MXN or USD."))
        return value

    def clean_amount(self) -> Decimal | None:
        value: Decimal | None = self.cleaned_data.get("amount")
        if value is not None and value < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return value

    def clean_fiscal_year(self) -> int | None:
        value: int | None = self.cleaned_data.get("fiscal_year")
        last = timezone.localdate().year + 1
        if value is not None and not FIRST_FISCAL_YEAR <= value <= last:
            raise forms.ValidationError(
                _("Give a fiscal year from %(first)s to %(last)s.") % {"first": FIRST_FISCAL_YEAR, "last": last}
            )
        return value

    def clean_consent_date(self) -> Any:
        value = self.cleaned_data.get("consent_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of consent cannot be in the future."))
        return value

    def clean_disaggregation(self) -> list[str]:
        chosen = set(self.cleaned_data.get("disaggregation") or [])
        return [value for value in Disaggregation.values if value in chosen]  # one order, whatever the browser sent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or ""
        self._keep_only_kind_fields(data, kind)
        self._clean_kind_fields(data, kind)
        self._clean_period(data)
        self._clean_value(data)
        if self.submitting:
            self._require_for_submission(data)
        return data

    def _keep_only_kind_fields(self, data: dict[str, Any], kind: str) -> None:
        """Fields of other kinds are neither validated nor saved; with no kind chosen, what was typed in them
        would be lost, so the person is asked to choose one."""
        own = set(KIND_FIELDS.get(kind, ()))
        typed = []
        for name in ALL_KIND_FIELDS:
            if name in own:
                continue
            raw = self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if raw not in (None, "", [], False) and not (name == "currency" and str(raw).upper() == DEFAULT_CURRENCY):
                typed.append(name)
            self.errors.pop(name, None)
            data[name] = empty_kind_value(name)
        if not kind and typed and "kind" not in self.errors:
            self.add_error(
                "kind",
                _("Choose the kind of evidence: the fields under “Only for: …” are kept only for their own kind."),
            )

    def _clean_kind_fields(self, data: dict[str, Any], kind: str) -> None:
        if kind == EvidenceKind.BUDGET_DOCUMENT and not data.get("currency") and "currency" not in self.errors:
            data["currency"] = DEFAULT_CURRENCY
        if kind == EvidenceKind.NEWS_REPORT and not data.get("relays_source"):
            data["relayed_source"] = ""  # nothing is relayed: what the box said no longer applies
        start, end = data.get("fieldwork_start"), data.get("fieldwork_end")
        if start and end and end < start:
            self.add_error("fieldwork_end", _("The end of the fieldwork is before its start."))
        request = data.get("transparency_request")
        organisation = data.get("organisation") or (self.evidence.organisation if self.evidence else None)
        if request is not None and organisation is not None and request.organisation_id != organisation.pk:
            self.add_error("transparency_request", _("Choose a request of the organisation this evidence is for."))
        if kind == EvidenceKind.TESTIMONY:
            visibility = data.get("visibility") or ""
            kept = (
                self.evidence is not None
                and self.evidence.kind == EvidenceKind.TESTIMONY
                and self.evidence.visibility == visibility
            )
            if not visibility:
                data["visibility"] = Visibility.CONFIDENTIAL
            elif visibility != Visibility.CONFIDENTIAL and not kept and "visibility" not in self.errors:
                self.add_error(
                    "visibility",
                    _(
                        "A testimony is confidential: only a moderator can open it to reviewers or make it public, "
                        "with a reason."
                    ),
                )

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
        kind_messages = {
            "relayed_source": _("Say which source the report relays."),
            "consent_recorded": _("A testimony can only be submitted with the person's recorded consent."),
            "consent_date": _("Give the date the consent was recorded."),
            "consent_recorded_by": _("Say who recorded the consent."),
        }
        for name in kind_missing(data):
            if name not in self.errors:
                self.add_error(name, kind_messages[name])
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
            **{name: data.get(name, empty_kind_value(name)) for name in ALL_KIND_FIELDS},
            "source_reliability": data.get("source_reliability") or "",
            "information_credibility": data.get("information_credibility") or "",
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
        **{name: getattr(evidence, name) for name in ALL_KIND_FIELDS},
        "amount": plain_decimal(evidence.amount),
        "currency": evidence.currency or DEFAULT_CURRENCY,
        "source_reliability": evidence.source_reliability,
        "information_credibility": evidence.information_credibility,
    }
