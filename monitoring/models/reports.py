"""Shadow reports: a working copy reviewers edit, and immutable published versions the public reads."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.models.base import TimestampedModel
from monitoring.models.catalogue import Indicator, Institution, Plan
from monitoring.models.evidence import Evidence
from monitoring.querysets import ReportVersionQuerySet, embargo_passed


class Rating(models.TextChoices):
    NO_INFORMATION = "no_information", _("No information")
    NOT_STARTED = "not_started", _("Not started")
    INSUFFICIENT = "insufficient", _("Insufficient")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    REGRESSED = "regressed", _("Regressed")


# Colour AND icon AND text label for every rating: never colour alone. Colours pass AA on white text.
RATING_STYLE: dict[str, dict[str, str]] = {
    Rating.NO_INFORMATION: {"icon": "?", "colour": "#4a4f55"},
    Rating.NOT_STARTED: {"icon": "○", "colour": "#8a1c1c"},
    Rating.INSUFFICIENT: {"icon": "◔", "colour": "#8a4b00"},
    Rating.IN_PROGRESS: {"icon": "◑", "colour": "#0b5394"},
    Rating.ACHIEVED: {"icon": "●", "colour": "#1e6b34"},
    Rating.REGRESSED: {"icon": "↓", "colour": "#5c1a5c"},
}


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Publication requested")
    PUBLISHED = "published", _("Published")


class Report(TimestampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=_("Part of the permanent address."))
    title = models.CharField(_("title"), max_length=300)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="reports")
    period_start = models.DateField(_("period covered from"))
    period_end = models.DateField(_("period covered to"))
    organisations = models.ManyToManyField(
        "portal.Organisation", verbose_name=_("authoring organisations"), related_name="reports"
    )
    executive_summary = models.TextField(_("executive summary"), blank=True, help_text=_("Markdown."))
    methodology = models.TextField(_("methodology"), blank=True, help_text=_("Markdown."))
    recommendations = models.TextField(_("recommendations"), blank=True, help_text=_("Markdown."))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    publication_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publication_requested_at = models.DateTimeField(null=True, blank=True)
    publication_change_note = models.TextField(_("change note"), blank=True)
    publication_public_from = models.DateTimeField(_("public from"), null=True, blank=True)

    class Meta:
        verbose_name = _("shadow report")
        verbose_name_plural = _("shadow reports")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="report_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("monitoring:report_latest", kwargs={"slug": self.slug})


class Assessment(models.Model):
    """The working assessment of one indicator in one report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="assessments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="assessments")
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    observed_value = models.DecimalField(_("observed value"), max_digits=16, decimal_places=2, null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True, help_text=_("Markdown."))
    cited_evidence = models.ManyToManyField(
        Evidence, verbose_name=_("cited evidence"), blank=True, related_name="citations"
    )
    reply_institution = models.ForeignKey(
        Institution,
        verbose_name=_("replying institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply_text = models.TextField(_("government's reply"), blank=True)
    reply_received_on = models.DateField(_("reply received on"), null=True, blank=True)
    reply_requested_on = models.DateField(_("reply requested on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="assessment_one_per_indicator"),
            models.CheckConstraint(
                condition=Q(rating="") | Q(rating__in=Rating.values), name="assessment_rating_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.indicator.code}"


class ReportVersion(models.Model):
    """An immutable, published snapshot of a report. Never updated; corrections publish a new number.

    The one exception is ``public_from`` while the version is still embargoed: two reviewers may move or lift the
    embargo (``EmbargoChange``). The snapshot keeps the embargo it was published with; the JSON download carries
    the current one beside it (``monitoring.exports.report.version_json``).
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    content_sha256 = models.CharField(max_length=64)
    change_note = models.TextField(_("change note"), blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    public_from = models.DateTimeField(_("public from"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to="reports/", blank=True, max_length=200)

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_number_unique"),
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("approved_by")), name="report_version_two_people"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report.slug} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:report_version", kwargs={"slug": self.report.slug, "number": self.number})

    @property
    def is_public(self) -> bool:
        """What ``ReportVersion.objects.visible()`` selects, for one version: its embargo has passed."""
        return embargo_passed(self.public_from)


class ReportVersionIndicator(models.Model):
    """One indicator's line in a published version, copied from the snapshot at publication.

    An index, not a source: it lets an indicator page show its rating history with one query instead of
    reading every snapshot. Like the version itself, it never changes.
    """

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="indicator_rows")
    code = models.CharField(max_length=20, db_index=True)
    unit = models.CharField(max_length=20, blank=True)
    rating = models.CharField(max_length=20, choices=Rating.choices)
    observed_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    reply = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("published rating")
        verbose_name_plural = _("published ratings")
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="version_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.version} {self.code}"


class CoAuthorshipStatus(models.TextChoices):
    PENDING = "pending", _("Invited, awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CoAuthorship(models.Model):
    """An organisation's consent to author a report: the ledger behind ``Report.organisations``.

    ``Report.organisations`` holds exactly the organisations whose co-authorship is *accepted*; only
    ``monitoring.services.reports`` writes it, together with this row. So every rule and every public page that
    reads ``Report.organisations`` (edit and approval rights, the snapshot's authors, the API) counts accepted
    co-authors only: a pending, declined or withdrawn organisation has no rights on the report and its name appears
    nowhere public. Published versions keep the authors they were published with.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="coauthorships")
    organisation = models.ForeignKey("portal.Organisation", on_delete=models.PROTECT, related_name="coauthorships")
    status = models.CharField(
        _("status"), max_length=20, choices=CoAuthorshipStatus.choices, default=CoAuthorshipStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-authorship")
        verbose_name_plural = _("co-authorships")
        constraints = [
            models.UniqueConstraint(fields=["report", "organisation"], name="coauthorship_one_per_organisation"),
            models.CheckConstraint(condition=Q(status__in=CoAuthorshipStatus.values), name="coauthorship_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.organisation} ({self.status})"


class ReportVersionCitation(models.Model):
    """One evidence item cited by a published version, copied from the snapshot at publication.

    An index, like ``ReportVersionIndicator``: it answers "which published versions cite this item?" (the tombstone
    of a withdrawn item) with one indexed query, on every database, without reading snapshots.
    """

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="citation_rows")
    evidence_uuid = models.UUIDField(db_index=True)

    class Meta:
        verbose_name = _("published citation")
        verbose_name_plural = _("published citations")
        constraints = [models.UniqueConstraint(fields=["version", "evidence_uuid"], name="version_citation_unique")]

    def __str__(self) -> str:
        return f"{self.version} cites {self.evidence_uuid}"


class EmbargoChangeStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a second reviewer")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Withdrawn")


class EmbargoChange(models.Model):
    """A request to move or lift the embargo of a published version, approved by a second reviewer.

    ``public_from`` is the new end of the embargo; None lifts it (the version becomes public on approval).
    """

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="embargo_changes")
    status = models.CharField(
        _("status"), max_length=20, choices=EmbargoChangeStatus.choices, default=EmbargoChangeStatus.PENDING
    )
    public_from = models.DateTimeField(_("new embargo end"), null=True, blank=True)
    previous_public_from = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("embargo change")
        verbose_name_plural = _("embargo changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EmbargoChangeStatus.values), name="embargo_change_status_valid"
            ),
            models.UniqueConstraint(
                fields=["version"], condition=Q(status="pending"), name="embargo_change_one_pending"
            ),
            models.CheckConstraint(
                # Whoever approved is not whoever asked (a pending or withdrawn change may be decided by either).
                condition=Q(status__in=[EmbargoChangeStatus.PENDING, EmbargoChangeStatus.CANCELLED])
                | ~Q(decided_by=models.F("requested_by")),
                name="embargo_change_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} embargo → {self.public_from or 'lifted'} ({self.status})"

    @property
    def lifts(self) -> bool:
        return self.public_from is None


# A preview link lives at most this long: long enough for a press embargo, short enough that a forwarded link dies.
PREVIEW_MAX_DAYS = 30


class EmbargoPreviewLink(models.Model):
    """A private, read-only link to an embargoed version, for a journalist under embargo.

    Only a keyed hash of its token is stored (``monitoring.services.embargo.preview_token_hash``): the link cannot
    be rebuilt from the database. It works until it expires, is revoked, or the embargo passes (then it sends the
    reader to the public permalink).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="preview_links")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("for whom"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("embargo preview link")
        verbose_name_plural = _("embargo preview links")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="preview_link_expires_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} preview for {self.label}"

    def is_active(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
