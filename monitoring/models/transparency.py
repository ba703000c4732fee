"""Transparency requests (solicitudes de acceso a la información) and the calendar of their deadlines."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from monitoring.models.base import StoredFile, TimestampedModel
from monitoring.models.bilingual import BilingualMixin
from monitoring.models.catalogue import Indicator, Institution
from monitoring.querysets import TransparencyRequestQuerySet


class Holiday(BilingualMixin, models.Model):
    date = models.DateField(_("date"), unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        verbose_name = _("non-working day")
        verbose_name_plural = _("non-working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name_es}"


class SuspensionPeriod(BilingualMixin, models.Model):
    """Days on which deadlines were suspended (e.g. the 2025 institutional transition)."""

    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    reason_es = models.CharField(_("reason (Spanish)"), max_length=300)
    reason_en = models.CharField(_("reason (English)"), max_length=300)

    class Meta:
        verbose_name = _("suspension of deadlines")
        verbose_name_plural = _("suspensions of deadlines")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="suspension_ordered")]

    def __str__(self) -> str:
        return f"{self.start} – {self.end}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ANSWERED = "answered", _("Answered")
    PARTIAL = "partial", _("Partially answered")
    NONEXISTENT = "nonexistent", _("Information declared non-existent")
    RESERVED = "reserved", _("Reserved or confidential")
    NOT_COMPETENT = "not_competent", _("Not competent")
    NO_ANSWER = "no_answer", _("No answer")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ANSWERED_STATUSES = (
    RequestStatus.ANSWERED,
    RequestStatus.PARTIAL,
    RequestStatus.NONEXISTENT,
    RequestStatus.RESERVED,
    RequestStatus.NOT_COMPETENT,
)


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Answer confirmed")
    MODIFIED = "modified", _("Answer modified")
    REVOKED = "revoked", _("Answer revoked")
    DISMISSED = "dismissed", _("Dismissed")


class TransparencyRequest(TimestampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="transparency_requests"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="transparency_requests"
    )
    folio = models.CharField(
        _("folio"), max_length=40, help_text=_("The number the transparency platform gave the request.")
    )
    question = models.TextField(_("question"))
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators"), blank=True, related_name="transparency_requests"
    )
    filed_on = models.DateField(_("filed on"))
    due_on = models.DateField(_("legal due date"))
    extended_due_on = models.DateField(_("extended due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer_summary = models.TextField(_("what the answer says"), blank=True)
    appeal_filed_on = models.DateField(_("appeal filed on"), null=True, blank=True)
    appeal_outcome = models.CharField(_("appeal outcome"), max_length=20, choices=AppealOutcome.choices, blank=True)
    appeal_outcome_on = models.DateField(_("appeal decided on"), null=True, blank=True)
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Public requests count in the institutions' statistics; their question and answer are readable by anyone."
        ),
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notice_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    objects = TransparencyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("transparency request")
        verbose_name_plural = _("transparency requests")
        constraints = [
            models.UniqueConstraint(fields=["institution", "folio"], name="transparency_folio_unique_per_institution"),
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="transparency_status_valid"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("filed_on")), name="transparency_due_after_filing"),
            models.CheckConstraint(
                condition=Q(appeal_outcome="") | Q(appeal_outcome__in=AppealOutcome.values),
                name="transparency_appeal_valid",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "due_on"], name="transparency_org_due_idx")]

    def __str__(self) -> str:
        return f"{self.institution.code} {self.folio}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:transparency_detail", kwargs={"uuid": self.uuid})

    @property
    def effective_due_on(self) -> dt.date:
        return self.extended_due_on or self.due_on

    def is_overdue(self, today: dt.date) -> bool:
        """Past its due date with no answer: computed, so no scheduled job is needed."""
        return self.status == RequestStatus.PENDING and today > self.effective_due_on

    @property
    def answered_on_time(self) -> bool | None:
        if self.status not in ANSWERED_STATUSES or self.answered_on is None:
            return None
        return self.answered_on <= self.effective_due_on


class TransparencyAttachment(StoredFile):
    request = models.ForeignKey(TransparencyRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="transparency/%Y/", max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("answer file")
        verbose_name_plural = _("answer files")
