"""What the conversation, duplicate and preview tests share: a small plan, items in given states, attachments."""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from monitoring.models import EvidenceAttachment, EvidenceStatus, Indicator, Plan
from tests.catalogue_factory import make_catalogue
from tests.factories import EvidenceFactory


def small_plan() -> Plan:
    from monitoring.services.catalogue_import import import_catalogue

    plan = Plan.objects.filter(slug="xx-test-plan").first()
    if plan is None:
        import_catalogue(data=make_catalogue())
        plan = Plan.objects.get(slug="xx-test-plan")
    return plan


def item(cast, plan, *, status=EvidenceStatus.SUBMITTED, organisation=None, submitted_by=None, **kwargs):
    """An item of Intersecta (by default) in the given state, straight in the database."""
    defaults = {
        "organisation": organisation or cast.intersecta,
        "submitted_by": submitted_by or cast.member,
        "plan": plan,
        "status": status,
        "submitted_at": None if status == EvidenceStatus.DRAFT else timezone.now(),
        "indicators": [Indicator.objects.filter(plan=plan).order_by("pk").first()],
    }
    defaults.update(kwargs)
    return EvidenceFactory(**defaults)


def attach(evidence, name: str, content: bytes, content_type: str) -> EvidenceAttachment:
    digest = hashlib.sha256(content).hexdigest()
    attachment = EvidenceAttachment(
        evidence=evidence,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256=digest,
        original_sha256=digest,
        uploaded_by=evidence.submitted_by,
    )
    attachment.file.save("upload", ContentFile(content), save=False)
    attachment.save()
    return attachment


def pdf_with_pages(pages: int = 1, text: str = "Informe SEDENA 2021", javascript: str = "") -> bytes:
    """A real PDF (PyMuPDF), optionally with an OpenAction and a page action in JavaScript."""
    import pymupdf

    document = pymupdf.open()
    for number in range(pages):
        page = document.new_page(width=300, height=400)
        page.insert_text((40, 60), f"{text} — {number + 1}")
    if javascript:
        catalog = document.pdf_catalog()
        js = document.get_new_xref()
        document.update_object(js, f"<< /S /JavaScript /JS ({javascript}) >>")
        document.xref_set_key(catalog, "OpenAction", f"{js} 0 R")
        first = document[0]
        document.xref_set_key(first.xref, "AA", f"<< /O {js} 0 R >>")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png(size=(60, 40)) -> bytes:
    from tests.files import image_bytes

    return image_bytes("PNG", size)
