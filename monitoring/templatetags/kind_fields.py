"""The fields of an item's own kind, as the evidence page lists them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from monitoring.models import KIND_FIELDS, PRIVATE_KIND_FIELDS, Disaggregation, Evidence
from portal.fields import plain_decimal

register = template.Library()


def _shown(evidence: Evidence, name: str) -> str:
    value = getattr(evidence, name)
    field = Evidence._meta.get_field(name)
    if getattr(field, "choices", None):
        return str(getattr(evidence, f"get_{name}_display")())
    if name == "disaggregation":
        labels = dict(Disaggregation.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if name == "answering_institution":
        return f"{value.code} — {value.name}"
    if name == "amount":
        number = formats.number_format(plain_decimal(value) or "", use_l10n=True, force_grouping=True)
        return f"{number} {evidence.currency}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return str(formats.date_format(value, "DATE_FORMAT"))
    return str(value)


@register.simple_tag(takes_context=True)
def kind_facts(context: Any, evidence: Evidence) -> list[dict[str, Any]]:
    """``{% kind_facts evidence as facts %}``: label, text and link of each field of the item's kind that is set.

    A testimony's consent and risk (PRIVATE_KIND_FIELDS) only for those who see the chain of custody (``custody``:
    the organisation's members and the moderators). The request an answer answers is linked where the reader may
    open it: the workspace page for the organisation's members, the public page of a public request; otherwise it
    is left out.
    """
    custody = bool(context.get("custody"))
    is_member = bool(context.get("is_member"))
    facts = []
    for name in KIND_FIELDS.get(evidence.kind, ()):
        if name in PRIVATE_KIND_FIELDS and not custody:
            continue
        if name == "currency":
            continue  # shown with the amount
        value = getattr(evidence, name)
        if value in (None, "", [], False):
            continue
        label = str(getattr(Evidence._meta.get_field(name), "verbose_name", name))
        label = label[:1].upper() + label[1:]
        if name == "transparency_request":
            if is_member:
                url = reverse("monitoring:transparency_detail", kwargs={"uuid": value.uuid})
            elif value.is_public:
                url = reverse("monitoring:transparency_public_detail", kwargs={"uuid": value.uuid})
            else:
                continue
            facts.append({"name": name, "label": label, "text": str(value), "url": url})
            continue
        facts.append({"name": name, "label": label, "text": _shown(evidence, name), "url": ""})
    return facts
