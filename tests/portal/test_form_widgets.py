"""Every date a form renders is one a browser can read, whatever the language.

Browsers accept only ``yyyy-mm-dd`` in ``<input type="date">`` and ``yyyy-mm-ddThh:mm`` in
``<input type="datetime-local">`` and silently show an empty field for anything else. This walks every form
class of the project, so that a new form with Django's default (localised) date widget fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.utils import translation

import monitoring
import portal
from monitoring.partial_dates import PartialDate, PartialDateField
from portal.widgets import DateInput, DateTimeInput


def project_form_classes() -> list[type[forms.BaseForm]]:
    for package in (portal, monitoring):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" in module.name or module.name.endswith(("settings", "wsgi", "asgi")):
                continue
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    stack: list[type] = [forms.BaseForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(("portal.", "monitoring.")):
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = project_form_classes()
DATE_FIELDS = [
    (form, name, field)
    for form in FORMS
    for name, field in form.base_fields.items()
    if isinstance(field, (forms.DateField, forms.DateTimeField, PartialDateField))
]


def test_the_walk_finds_every_form_that_takes_a_date():
    names = {f"{form.__name__}.{name}" for form, name, _ in DATE_FIELDS}
    assert len(FORMS) >= 21
    # The forms packages (monitoring/forms/, portal/forms/) are walked like any module.
    assert {
        "monitoring.forms.filters.PublicEvidenceFilterForm",
        "monitoring.forms.filters.QueueFilterForm",
        "monitoring.forms.moderation.BulkApprovalForm",
        "portal.forms.accounts.ProfileForm",
        "portal.forms.two_factor.TokenForm",
        "portal.forms.two_factor.ReauthForm",
    } <= {f"{form.__module__}.{form.__name__}" for form in FORMS}
    assert {
        "EvidenceForm.source_date",
        "EvidenceForm.period_start",
        "EvidenceForm.period_end",
        "AssessmentForm.reply_received_on",
        "AssessmentForm.reply_requested_on",
        "PublicationRequestForm.public_from",
        "ReportForm.period_start",
        "ReportForm.period_end",
        "AnswerForm.answered_on",
        "AppealForm.appeal_filed_on",
        "AppealForm.appeal_outcome_on",
        "FileRequestForm.filed_on",
        "AuditFilterForm.since",
        "AuditFilterForm.until",
    } <= names


@pytest.mark.parametrize(("form", "name", "field"), DATE_FIELDS, ids=[f"{f.__name__}.{n}" for f, n, _ in DATE_FIELDS])
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_date_field_renders_machine_format_in_every_language(form, name, field, language):
    with translation.override(language):
        if isinstance(field, PartialDateField):
            html = field.widget.render(name, field.prepare_value(PartialDate(2023, 1, 16)))
            assert 'value="2023-01-16"' in html and 'type="text"' in html
            assert 'value="2023"' in field.widget.render(name, field.prepare_value(PartialDate(2023)))
        elif isinstance(field, forms.DateTimeField):
            assert isinstance(field.widget, DateTimeInput), f"{form.__name__}.{name} uses {type(field.widget)}"
            html = field.widget.render(name, dt.datetime(2023, 1, 16, 9, 30))
            assert 'type="datetime-local"' in html and 'value="2023-01-16T09:30"' in html
        else:
            assert isinstance(field.widget, DateInput), f"{form.__name__}.{name} uses {type(field.widget)}"
            html = field.widget.render(name, dt.date(2023, 1, 16))
            assert 'type="date"' in html and 'value="2023-01-16"' in html
        assert "16/01/2023" not in html


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_default_django_date_widget_would_be_caught(language):
    """The check above can fail: Django's own widget renders the Spanish format under /es/."""
    with translation.override(language):
        html = forms.DateInput(attrs={"type": "date"}).render("d", dt.date(2023, 1, 16))
    assert ('value="16/01/2023"' in html) == (language == "es")
    assert not isinstance(forms.DateInput(), DateInput)


@pytest.mark.parametrize("language", ["es", "en"])
def test_machine_format_is_read_back_in_every_language(language):
    with translation.override(language):
        assert forms.DateField(widget=DateInput()).clean("2023-01-16") == dt.date(2023, 1, 16)
        value = forms.DateTimeField(widget=DateTimeInput()).clean("2023-01-16T09:30")
        assert (value.date(), value.hour, value.minute) == (dt.date(2023, 1, 16), 9, 30)
