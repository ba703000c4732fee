"""Spreadsheet imports of evidence (monitoring/imports/): the uploaded file, its validation, and the rows it made."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from monitoring.models.base import StoredFile
from monitoring.models.catalogue import Plan
from monitoring.models.evidence import Evidence


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be checked")
    VALIDATING = "validating", _("Being checked")
    INVALID = "invalid", _("Has errors")
    READY = "ready", _("Checked, ready to import")
    IMPORTING = "importing", _("Being imported")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


def import_path(instance: ImportJob, filename: str) -> str:
    # Random, meaningless names, as for attachments: the original name is kept only for display.
    return f"imports/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class ImportJob(StoredFile):
    """One uploaded spreadsheet: checked as a whole first (a dry run), imported only once it is clean and the
    member confirms. ``errors`` and ``preview`` are stored already worded in ``language``, the language of the
    page the file was uploaded from (the worker activates it)."""

    organisation = models.ForeignKey(
        "portal.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="import_jobs")
    file = models.FileField(_("file"), upload_to=import_path, max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    submit = models.BooleanField(
        _("submit for review"), default=False, help_text=_("Create submitted items instead of drafts.")
    )
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("items created"), default=0)
    duplicate_count = models.PositiveIntegerField(_("rows already imported"), default=0)
    # [{"row": 5, "column": "Título", "message": "…"}], worded in ``language``; row 0 is the file as a whole.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # What a dry run found: {"rows": [...first rows...], "duplicates": [{"row": 7, "reason": "…"}]}.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("import confirmed at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_job_status_valid"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("monitoring:evidence_import_job", kwargs={"uuid": self.uuid})

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.IMPORTING)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class ImportedRow(models.Model):
    """A spreadsheet row that became an item. Its key is remembered per organisation, so importing the same
    row again (the same file twice, or a corrected file with the good rows kept) creates nothing new.

    The key is the ``key`` column when the researcher fills it (her own identifier for the row), else a SHA-256 of
    the row's normalised content (monitoring/imports/rows.py, ``row_key``)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="imported_rows")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.CASCADE, related_name="+")
    row_key = models.CharField(_("row key"), max_length=64)
    row_number = models.PositiveIntegerField(_("row"))
    evidence = models.ForeignKey(
        Evidence, verbose_name=_("evidence"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "row_key"], name="imported_row_once_per_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number}"
