"""Forms of transparency requests: filing one question with several institutions, an answer, an appeal."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.files import ACCEPT_ATTRIBUTE, CheckedFile, check_uploads, clean_filename
from monitoring.forms.fields import (
    MultipleFileField,
    MultipleFileInput,
    files_help_text,
    indicator_choices,
    not_future,
    strip_metadata_field,
)
from monitoring.models import (
    ANSWERED_STATUSES,
    AppealOutcome,
    Indicator,
    Institution,
    Plan,
    RequestStatus,
    TransparencyAttachment,
)
from monitoring.widgets import IndicatorPicker
from portal.fields import TextField
from portal.widgets import DateInput

FOLIO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]{2,39}$")


class FileRequestForm(forms.Form):
    question = TextField(
        label=gettext_lazy("Question"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("The text of the request, as filed."),
    )
    filed_on = forms.DateField(label=gettext_lazy("Filed on"), widget=DateInput())
    institutions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Institutions"),
        queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("One request is recorded per institution, each with its own folio."),
    )
    indicators = forms.MultipleChoiceField(
        label=gettext_lazy("Indicators"),
        required=False,
        widget=IndicatorPicker,
        help_text=gettext_lazy("Tick every indicator the question is about."),
    )
    is_public = forms.BooleanField(
        label=gettext_lazy("Make the question and answer public"),
        required=False,
        help_text=gettext_lazy("Public requests count in each institution's public record of answers."),
    )

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        fields: dict[str, Any] = self.fields
        institutions = list(Institution.objects.filter(plan_roles__plan=plan).order_by("code"))
        fields["institutions"].queryset = Institution.objects.filter(pk__in=[i.pk for i in institutions]).order_by(
            "code"
        )
        fields["institutions"].label_from_instance = lambda i: f"{i.code} — {i.name}"
        fields["indicators"].choices = indicator_choices(plan)
        self.folio_fields = []
        for institution in institutions:
            name = f"folio_{institution.pk}"
            fields[name] = forms.CharField(
                label=_("Folio at %(code)s") % {"code": institution.code}, required=False, max_length=40
            )
            self.folio_fields.append((institution, name))

    def clean_filed_on(self) -> dt.date | None:
        return not_future(self.cleaned_data.get("filed_on"))

    def clean_question(self) -> str:
        return str(self.cleaned_data["question"]).strip()

    def clean_indicators(self) -> list[Indicator]:
        ids = self.cleaned_data.get("indicators") or []
        return list(Indicator.objects.filter(plan=self.plan, pk__in=ids))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = {i.pk for i in data.get("institutions") or []}
        folios = {}
        for institution, name in self.folio_fields:
            value = (data.get(name) or "").strip()
            if institution.pk in chosen:
                if not value:
                    self.add_error(
                        name, _("Give the folio the platform assigned at %(code)s.") % {"code": institution.code}
                    )
                elif not FOLIO.match(value):
                    self.add_error(name, _("A folio has 3 to 40 letters, digits, hyphens or slashes."))
                else:
                    folios[institution] = value
        data["folios"] = folios
        return data


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=gettext_lazy("What the institution answered"),
        choices=[
            (v, label)
            for v, label in RequestStatus.choices
            if v not in (RequestStatus.PENDING, RequestStatus.WITHDRAWN)
        ],
    )
    answered_on = forms.DateField(label=gettext_lazy("Answered on"), required=False, widget=DateInput())
    summary = TextField(
        label=gettext_lazy("What the answer says"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("The answer's files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    strip_metadata = strip_metadata_field()

    def __init__(
        self,
        *args: Any,
        filed_on: dt.date | None = None,
        oversized: list[str] | None = None,
        existing: Sequence[TransparencyAttachment] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.filed_on = filed_on
        self.oversized = oversized or []
        self.existing = list(existing)  # the answer's files already stored: they count towards the item's limits
        self.fields["attachments"].help_text = files_help_text()
        self.checked_files: list[CheckedFile] = []
        self.save_failed = False  # set by the view when the answer could not be recorded

    def clean_answered_on(self) -> dt.date | None:
        value = not_future(self.cleaned_data.get("answered_on"))
        if value and self.filed_on and value < self.filed_on:
            raise forms.ValidationError(_("The answer cannot be dated before the request was filed."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if "answered_on" in data and status:
            answered = status in ANSWERED_STATUSES
            if answered and data["answered_on"] is None:
                self.add_error("answered_on", _("Give the date of the answer."))
            elif not answered and data["answered_on"] is not None:
                self.add_error("answered_on", _("There was no answer, so leave its date empty."))
        return data

    def files_to_choose_again(self) -> list[str]:
        """Names of files sent with a form that failed: browsers cannot keep them, so say which."""
        if not self.is_bound or not (self.errors or self.save_failed):
            return []
        return [clean_filename(f.name or "") for f in self.files.getlist("attachments")]

    def clean_attachments(self) -> list[Any]:
        """The evidence form's pipeline, limits included (``files.check_uploads``)."""
        uploads = self.cleaned_data.get("attachments") or []
        self.checked_files = []
        self.checked_files = check_uploads(
            uploads,
            existing=self.existing,
            oversized=self.oversized,
            strip_metadata=bool(self.data.get("strip_metadata")),
        )
        return uploads


class AppealForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    appeal_filed_on = forms.DateField(label=gettext_lazy("Appeal filed on"), widget=DateInput())
    appeal_outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=AppealOutcome.choices)
    appeal_outcome_on = forms.DateField(label=gettext_lazy("Decided on"), required=False, widget=DateInput())

    def __init__(self, *args: Any, filed_on: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filed_on = filed_on

    def clean_appeal_filed_on(self) -> dt.date | None:
        value = not_future(self.cleaned_data.get("appeal_filed_on"))
        if value and self.filed_on and value < self.filed_on:
            raise forms.ValidationError(_("The appeal cannot be dated before the request was filed."))
        return value

    def clean_appeal_outcome_on(self) -> dt.date | None:
        return not_future(self.cleaned_data.get("appeal_outcome_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filed, decided = data.get("appeal_filed_on"), data.get("appeal_outcome_on")
        if filed and decided and decided < filed:
            self.add_error("appeal_outcome_on", _("The appeal cannot be decided before it was filed."))
        return data
