"""The reliability mark of an item (docs/RELIABILITY.md): ``{% with r=item|reliability %}``.

``item`` is an ``Evidence`` or a cited item of a published snapshot (a dict). Snapshots published before the
assessment existed have no such keys: they read as "not assessed", never an error."""

from __future__ import annotations

from django import template

from monitoring.reliability import Assessment, assessment_of

register = template.Library()


@register.filter
def reliability(item: object) -> Assessment:
    """The item's two values with their labels in the active language."""
    return assessment_of(item)


@register.filter
def citable(items: dict[str, object], key: object) -> object:
    """``{{ by_pk|citable:choice.data.value }}``: the citable item behind a tick box of the report editor."""
    return items.get(str(key)) if isinstance(items, dict) else None
