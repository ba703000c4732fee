"""The moderators' form for the site's own pages: both languages side by side."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy

from monitoring.models.pages import BODY_MAX, TITLE_MAX, SitePage
from portal.fields import TextField

BODY_HELP = gettext_lazy(
    "Markdown: start a section with ## Heading; **bold**, *italic*, lists, [links](https://…). HTML is shown as text."
)


class SitePageForm(forms.Form):
    title_es = forms.CharField(
        label=gettext_lazy("Title in Spanish"), max_length=TITLE_MAX, widget=forms.TextInput(attrs={"lang": "es"})
    )
    body_es = TextField(
        label=gettext_lazy("Text in Spanish"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "lang": "es"}),
        help_text=BODY_HELP,
    )
    title_en = forms.CharField(
        label=gettext_lazy("Title in English"), max_length=TITLE_MAX, widget=forms.TextInput(attrs={"lang": "en"})
    )
    body_en = TextField(
        label=gettext_lazy("Text in English"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 24, "lang": "en"}),
        help_text=BODY_HELP,
    )

    def __init__(self, *args: Any, page: SitePage, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {name: getattr(page, name) for name in ("title_es", "title_en", "body_es", "body_en")}
        )
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div(Fieldset(gettext_lazy("Spanish"), "title_es", "body_es"), css_class="col-lg-6"),
                Div(Fieldset(gettext_lazy("English"), "title_en", "body_en"), css_class="col-lg-6"),
                css_class="row",
            )
        )
