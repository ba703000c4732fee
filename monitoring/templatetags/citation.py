"""“Cite this page” on the indicator and evidence pages: ``{% citation as cite %}`` in components/_cite.html.

Built from what the page already holds (the indicator, or the item and its organisation): no query, no view
change. The date is the record's last change, not the reader's day of access, so the block is the same for every
reader and the page stays cacheable. An item that is not public gets no citation (``cite.public`` is False): its
page is shown only to its organisation, the reviewers or the moderators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from monitoring.models import Evidence, Indicator

register = template.Library()

_BIBTEX_SPECIAL = re.compile(r"([%&$#_])")


@dataclass(frozen=True)
class Citation:
    public: bool
    author: str = ""
    year: str = ""
    title: str = ""
    title_lang: str = ""  # set when the title is not in the page's language
    kind: str = ""
    container: str = ""  # the plan an indicator belongs to
    site: str = ""
    updated: str = ""
    updated_iso: str = ""
    url: str = ""
    bibtex: str = ""


def _bibtex_value(text: str) -> str:
    """A field's value inside braces: no braces or backslashes of its own, LaTeX's specials escaped."""
    cleaned = " ".join(text.replace("{", "(").replace("}", ")").replace("\\", "/").split())
    return _BIBTEX_SPECIAL.sub(r"\\\1", cleaned)


def _bibtex(key: str, citation: Citation, lang: str) -> str:
    fields = [
        ("author", "{" + _bibtex_value(citation.author) + "}"),  # an organisation: kept whole, never "Last, First"
        ("title", _bibtex_value(citation.title)),
        ("year", citation.year),
        ("howpublished", _bibtex_value(citation.site)),
        ("url", citation.url),
        ("note", _bibtex_value(_("Last updated %(date)s") % {"date": citation.updated_iso})),
        ("language", lang),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


def _complete(request: Any, obj: Indicator | Evidence, draft: Citation, key: str) -> Citation:
    """The parts every citation shares (year, site, date of the last change, permalink) and its BibTeX."""
    when = obj.updated_at
    path = obj.get_absolute_url()
    citation = replace(
        draft,
        year=str(when.year),
        site=settings.SITE_NAME,
        updated=formats.date_format(when, "DATE_FORMAT"),
        updated_iso=when.date().isoformat(),
        url=request.build_absolute_uri(path) if request is not None else path,
    )
    return replace(citation, bibtex=_bibtex(re.sub(r"[^a-z0-9-]", "-", key.lower()), citation, _language()))


def indicator_citation(request: Any, indicator: Indicator) -> Citation:
    plan = indicator.plan
    draft = Citation(
        public=True,
        author=settings.SITE_NAME,
        title=f"{indicator.code}: {indicator.text}",
        kind=_("Indicator"),
        container=plan.title,
    )
    return _complete(request, indicator, draft, f"obs1325-{plan.slug}-{indicator.code}")


def evidence_citation(request: Any, evidence: Evidence) -> Citation:
    if not evidence.is_public:
        return Citation(public=False)
    lang = _language()
    draft = Citation(
        public=True,
        author=evidence.organisation.name,
        title=evidence.title,
        title_lang=evidence.language if evidence.language in ("es", "en") and evidence.language != lang else "",
        kind=_("Evidence"),
    )
    return _complete(request, evidence, draft, f"obs1325-{str(evidence.uuid)[:8]}")


@register.simple_tag(takes_context=True)
def citation(context: template.Context) -> Citation | None:
    """The citation of the page's object: the evidence page's ``evidence`` (an item), else the indicator page's
    ``indicator``. On the indicator page ``evidence`` is its list of items, never an item."""
    request = context.get("request")
    evidence = context.get("evidence")
    if isinstance(evidence, Evidence):
        return evidence_citation(request, evidence)
    indicator = context.get("indicator")
    if isinstance(indicator, Indicator):
        return indicator_citation(request, indicator)
    return None
