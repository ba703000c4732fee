"""Template filters for Markdown source shown where markup does not belong."""

from __future__ import annotations

from django import template

from monitoring.markdown import plain_text as markdown_plain_text

register = template.Library()


@register.filter
def plain_text(value: object) -> str:
    """``{{ report.executive_summary|plain_text|truncatewords:40 }}``: Markdown source as plain words (no ``**``,
    link text without its URL, whitespace collapsed), for meta and Open Graph descriptions. Escaped like any text."""
    if not value:
        return ""
    return markdown_plain_text(str(value))
