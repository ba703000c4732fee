"""Archived copies of an item's source URL: fetched by the worker (monitoring/archiving.py), kept as WARC files.

Every copy is kept: archiving again adds a row, so the record shows what the page said on each date. A copy is
served only as a download (never rendered on our origin), to whoever may read its item.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitoring.models.evidence import Evidence


class ArchiveStatus(models.TextChoices):
    PENDING = "pending", _("Being archived")
    ARCHIVED = "archived", _("Archived")
    FAILED = "failed", _("Could not be archived")


def archive_path(instance: SourceArchive, filename: str) -> str:
    # A random, meaningless name: the address of the page is in the row, never in the storage key.
    return f"archives/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.warc.gz"


class SourceArchive(models.Model):
    """One attempt at keeping a copy of an item's source URL, as the worker found it at ``retrieved_at``.

    ``warc`` holds the request and response records (raw headers and body) of every hop, redirects included;
    ``sha256`` is the hash of the final response's body as received. ``text`` is a readable extract of an HTML page
    (capped). ``error`` is a short code for the operator and the member (``archiving.FAILURES``), never the page.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="archives")
    requested_url = models.URLField(_("address requested"), max_length=1000)
    final_url = models.CharField(_("address after redirects"), max_length=2000, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ArchiveStatus.choices, default="pending")
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the content"), max_length=64, blank=True)
    retrieved_at = models.DateTimeField(_("retrieved at"), null=True, blank=True)
    warc = models.FileField(_("WARC file"), upload_to=archive_path, max_length=200, blank=True)
    text = models.TextField(_("text extract"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(_("why it failed"), max_length=40, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("archived copy of a source")
        verbose_name_plural = _("archived copies of sources")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ArchiveStatus.values), name="sourcearchive_status_valid"),
            # A copy is archived only with its hash and its file.
            models.CheckConstraint(
                condition=~Q(status="archived") | (~Q(sha256="") & ~Q(warc="") & Q(retrieved_at__isnull=False)),
                name="sourcearchive_archived_complete",
            ),
            # One copy being made at a time per item: what limits "archive again".
            models.UniqueConstraint(
                fields=["evidence"], condition=Q(status="pending"), name="sourcearchive_one_pending_per_item"
            ),
        ]
        indexes = [models.Index(fields=["evidence", "created_at"], name="sourcearchive_item_idx")]

    def __str__(self) -> str:
        return f"{self.requested_url} · {self.status}"
