"""Template filters for dates as precise as their sources."""

from __future__ import annotations

from django import template

from monitoring.partial_dates import display_period_iso

register = template.Library()


@register.filter
def iso_period(value: object) -> str:
    """``{{ e.period|iso_period }}``: a period stored as ISO 8601 ("2021", "2021-04/2021-06"), in the reader's
    language ("abril de 2021 – junio de 2021"). Text that is not such a value is returned unchanged."""
    if not value:
        return ""
    return display_period_iso(str(value))
