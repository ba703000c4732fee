"""The one date and datetime widget of the project.

Browsers accept only machine format in ``<input type="date">`` (``yyyy-mm-dd``) and
``<input type="datetime-local">`` (``yyyy-mm-ddThh:mm``) and silently show an empty field for anything else.
Django's default widgets render the active language's input format (``16/01/2023`` under ``/es/``), so every
form of the project uses these, whose value is always machine format whatever the language. The browser shows
the date in the reader's own locale; labels and help texts stay translated as usual.
"""

from __future__ import annotations

from typing import Any

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)
