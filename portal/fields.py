"""Form fields every app shares: text and numbers read back exactly as people typed them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms


def normalize_newlines(text: str) -> str:
    """Line ends as LF alone: browsers send a textarea's line breaks as CR LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class TextField(forms.CharField):
    """Multi-line text. Browsers send every line end as CR LF; texts are stored with LF alone (as the services,
    imports and seed_demo write them), so a text re-saved untouched compares equal instead of claiming a change."""

    def to_python(self, value: Any) -> str:
        return normalize_newlines(super().to_python(value) or "")


def plain_decimal(value: Decimal | None) -> str | None:
    """A stored value as typed: 84, not 84.00 (the column keeps two decimal places)."""
    return None if value is None else format(value.normalize(), "f")
