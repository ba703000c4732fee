"""Content translated in fields: `name_es`/`name_en` read through `name` in the active language."""

from __future__ import annotations

from django.utils.translation import get_language


def localized(obj: object, base: str) -> str:
    """Return ``obj.<base>_<lang>`` for the active language, falling back to Spanish."""
    lang = (get_language() or "es")[:2]
    value = getattr(obj, f"{base}_{lang}", "") or getattr(obj, f"{base}_es", "")
    return str(value or "")


class BilingualMixin:
    """Gives models a `tr(base)` helper and the common localized properties."""

    def tr(self, base: str) -> str:
        return localized(self, base)
