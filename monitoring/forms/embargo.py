"""The forms of an embargoed version's page: move or lift the embargo, and create a private preview link."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models.reports import PREVIEW_MAX_DAYS
from portal.fields import TextField
from portal.widgets import DateTimeInput

MOVE, LIFT = "move", "lift"


class EmbargoChangeForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[(MOVE, gettext_lazy("Move the embargo to a new date")), (LIFT, gettext_lazy("Lift it: publish now"))],
        widget=forms.RadioSelect,
        initial=MOVE,
    )
    public_from = forms.DateTimeField(
        label=gettext_lazy("New end of the embargo (Mexico City time)"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Only to move it. The version becomes public at that moment."),
    )
    note = TextField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For the other reviewers and the audit log; not public."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == MOVE and not data.get("public_from") and "public_from" not in self.errors:
            self.add_error("public_from", _("Give the new end of the embargo, or choose to lift it."))
        return data

    def new_public_from(self) -> Any:
        return None if self.cleaned_data["action"] == LIFT else self.cleaned_data["public_from"]


class PreviewLinkForm(forms.Form):
    label = TextField(
        label=gettext_lazy("For whom"),
        max_length=200,
        help_text=gettext_lazy("A name you will recognise, e.g. the journalist and her outlet. Shown only to authors."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=PREVIEW_MAX_DAYS,
        initial=7,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].help_text = _(
            "At most %(max)s days; the link also stops working when the embargo ends."
        ) % {"max": PREVIEW_MAX_DAYS}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
