"""Forms of organisations and people managed in the site: the organisation form, a role, a deactivation."""

from __future__ import annotations

import unicodedata
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import logos
from portal.models import Organisation, Role

MAX_DESCRIPTION = 5000


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
        raise forms.ValidationError(_("Remove the invisible control characters from this text."), code="control")
    return value


def _text(value: str) -> str:
    """Plain text of several lines: browsers send line breaks as CRLF; they are stored as LF."""
    return _no_control_characters(value.replace("\r\n", "\n").replace("\r", "\n").strip())


def _one_line(value: str) -> str:
    value = _no_control_characters(value.strip())
    if "\n" in value or "\r" in value or "\t" in value:
        raise forms.ValidationError(_("Write this on one line."), code="one_line")
    return value


class OrganisationForm(forms.Form):
    """Create (no ``organisation``) or edit an organisation. The slug is made from the name when it is created and
    never changes afterwards (it is the organisation's public address)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    acronym = forms.CharField(
        label=gettext_lazy("Acronym"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Optional, e.g. “CDH” — shown beside the name."),
    )
    website = forms.URLField(
        label=gettext_lazy("Website"),
        max_length=200,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=gettext_lazy("The full address, starting with https://"),
    )
    description_es = forms.CharField(
        label=gettext_lazy("Description in Spanish"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "lang": "es"}),
        help_text=gettext_lazy("Who the organisation is, for its public page. Plain text."),
    )
    description_en = forms.CharField(
        label=gettext_lazy("Description in English"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "lang": "en"}),
        help_text=gettext_lazy("Shown to English readers; when empty they read the Spanish one."),
    )
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": logos.ACCEPT_ATTRIBUTE}),
        help_text=gettext_lazy(
            "PNG, JPEG or WebP, up to 5 MB. It is re-encoded without its metadata and scaled to at most 600 pixels."
        ),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the current logo"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, organisation: Organisation | None = None, oversized: list[str] | None = None, **kwargs: Any
    ) -> None:
        self.organisation = organisation
        self.oversized = oversized or []
        if organisation is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": organisation.name,
                "acronym": organisation.acronym,
                "website": organisation.website,
                "description_es": organisation.description_es,
                "description_en": organisation.description_en,
                "version": organisation.version,
            }
        super().__init__(*args, **kwargs)
        if organisation is None or not organisation.logo:
            del self.fields["remove_logo"]
        if organisation is None:
            del self.fields["version"]
        self.helper = _helper()
        self.cleaned_logo: ContentFile | None = None

    def clean_name(self) -> str:
        name = _one_line(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Write the organisation's name."), code="required")
        others = Organisation.objects.filter(name__iexact=name)
        if self.organisation is not None:
            others = others.exclude(pk=self.organisation.pk)
        if others.exists():
            raise forms.ValidationError(_("Another organisation already has this name."), code="unique")
        if not slugify(name):
            raise forms.ValidationError(_("The name needs at least one letter or digit."), code="no_slug")
        return name

    def clean_acronym(self) -> str:
        return _one_line(self.cleaned_data["acronym"])

    def clean_description_es(self) -> str:
        return _text(self.cleaned_data["description_es"])

    def clean_description_en(self) -> str:
        return _text(self.cleaned_data["description_en"])

    def clean_logo(self) -> Any:
        if self.oversized:
            raise forms.ValidationError(_("The logo may not be larger than 5 MB."), code="too_large")
        upload = self.cleaned_data.get("logo")
        if upload:
            self.cleaned_logo = logos.process_logo(upload)
        return upload

    def clean_version(self) -> int | None:
        version = self.cleaned_data.get("version")
        if self.organisation is not None and version is None:
            raise forms.ValidationError(_("Reload the page and make your changes again."), code="version")
        return version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.organisation is None and data.get("name"):
            data["slug"] = unique_slug(data["name"])
        if data.get("remove_logo") and self.cleaned_logo is not None:
            self.add_error("remove_logo", _("Either upload a new logo or remove the current one, not both."))
        return data


def unique_slug(name: str) -> str:
    base = slugify(name)[:70].strip("-") or "organisation"
    slug, n = base, 2
    taken = set(Organisation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    expected = forms.ChoiceField(choices=Role.choices, widget=forms.HiddenInput)


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (kept in the audit log)"),
        max_length=500,
        required=False,
        widget=forms.TextInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_reason(self) -> str:
        return _one_line(self.cleaned_data["reason"])
