"""Search words marked in lists of results that are not the public list (the workspace, the moderation queue)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from monitoring.search import highlight

register = template.Library()


@register.filter
def marked(text: object, query: object) -> SafeString:
    """``{{ item.title|marked:form.query }}``: the text escaped, the words matching the query in <mark>
    (monitoring.search.highlight, as the public list does)."""
    return highlight("" if text is None else str(text), str(query or ""))
