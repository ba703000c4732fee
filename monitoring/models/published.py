"""Files the portal generates for the public (report PDFs, bulk CSVs), kept in storage with what they were made of."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedFile(models.Model):
    """One generated file in storage: its name, when it was made, its checksum and a marker of its sources.

    The marker is a digest of what the file was built from (for the bulk CSVs: the set of public rows); the
    periodic sweep compares it with the current one and rebuilds only what is out of date.
    """

    key = models.CharField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("stored name"), max_length=300)
    generated_at = models.DateTimeField(_("generated"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    source_marker = models.CharField(_("source marker"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("published file")
        verbose_name_plural = _("published files")

    def __str__(self) -> str:
        return self.key
