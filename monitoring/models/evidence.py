"""Evidence logged by organisations against indicators, and its attachments."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from monitoring.choices import EvidenceStatus, Visibility
from monitoring.models.base import StoredFile, TimestampedModel
from monitoring.models.bilingual import BilingualMixin
from monitoring.models.catalogue import Indicator, Institution, Plan
from monitoring.partial_dates import PartialDate, Precision, iso_or_none, period_iso, period_label
from monitoring.querysets import DRAFT_EVIDENCE, PUBLIC_EVIDENCE, EvidenceQuerySet, matches


class EvidenceKind(models.TextChoices):
    OFFICIAL_STATISTIC = "official_statistic", _("Official statistic")
    TRANSPARENCY_ANSWER = "transparency_answer", _("Answer to a transparency request")
    OFFICIAL_DOCUMENT = "official_document", _("Official document or statement")
    BUDGET_DOCUMENT = "budget_document", _("Budget document")
    NEWS_REPORT = "news_report", _("News report")
    TESTIMONY = "testimony", _("Testimony")
    OWN_RESEARCH = "own_research", _("Own research")
    INDEPENDENT_STUDY = "independent_study", _("Independent study")


class Disaggregation(models.TextChoices):
    SEX = "sex", _("Sex")
    AGE = "age", _("Age")
    STATE = "state", _("State")
    INSTITUTION = "institution", _("Institution")


class AnswerType(models.TextChoices):
    """How an institution answered a transparency request (the categories of the Ley General de Transparencia)."""

    FULL = "full", _("Information delivered in full")
    PARTIAL = "partial", _("Information delivered in part")
    NONEXISTENT = "nonexistent", _("Declared non-existent")
    CLASSIFIED = "classified", _("Classified as reserved or confidential")
    NOT_COMPETENT = "not_competent", _("Declared not competent")
    OTHER = "other", _("Other answer")


class BudgetStage(models.TextChoices):
    APPROVED = "approved", _("Approved")
    MODIFIED = "modified", _("Modified")
    SPENT = "spent", _("Spent")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class SourceReliability(models.TextChoices):
    """How far the source can be trusted, whatever it says this time (docs/RELIABILITY.md)."""

    RELIABLE = "reliable", _("Reliable")
    USUALLY_RELIABLE = "usually_reliable", _("Usually reliable")
    DOUBTFUL = "doubtful", _("Doubtful")
    CANNOT_JUDGE = "cannot_judge", _("Cannot be judged")


class InformationCredibility(models.TextChoices):
    """How far this piece of information can be trusted (docs/RELIABILITY.md)."""

    CONFIRMED = "confirmed", _("Confirmed")
    PROBABLY_TRUE = "probably_true", _("Probably true")
    POSSIBLY_TRUE = "possibly_true", _("Possibly true")
    DOUBTFUL = "doubtful", _("Doubtful")


class EvidenceLanguage(models.TextChoices):
    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")
    INDIGENOUS = "indigenous", _("An Indigenous language")
    OTHER = "other", _("Other")


# What every item says, whatever its kind: the public CSV's and the organisation export's common columns, in order.
COMMON_EVIDENCE_FIELDS = [
    "kind",
    "title",
    "summary",
    "source_url",
    "source_date",
    "period_start",
    "period_end",
    "reported_value",
    "value_unit",
    "states",
    "institutions",
    "language",
]
# The only fields of evidence that ever leave the portal publicly (API, bulk CSV), in this order.
PUBLIC_EVIDENCE_FIELDS = [
    "uuid",
    "plan",
    "indicators",
    *COMMON_EVIDENCE_FIELDS,
    "organisation",
    # The fields of one kind (KIND_FIELDS), empty for items of other kinds; never PRIVATE_KIND_FIELDS.
    "series_name",
    "disaggregation",
    "producing_body",
    "folio",
    "answering_institution",
    "answer_type",
    "transparency_request",
    "issuing_body",
    "document_reference",
    "amount",
    "currency",
    "fiscal_year",
    "budget_programme",
    "budget_stage",
    "outlet",
    "author",
    "relays_source",
    "relayed_source",
    "pseudonym",
    "method",
    "sample",
    "fieldwork_start",
    "fieldwork_end",
    # Reliability (docs/RELIABILITY.md).
    "source_reliability",
    "information_credibility",
]

# The fields each kind of evidence has besides the common ones, in the order forms, pages, the API and CSVs show
# them. A field of another kind is hidden, not validated and saved empty (services/evidence.py clears it).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    EvidenceKind.OFFICIAL_STATISTIC: ("series_name", "disaggregation", "producing_body"),
    EvidenceKind.TRANSPARENCY_ANSWER: ("folio", "answering_institution", "answer_type", "transparency_request"),
    EvidenceKind.OFFICIAL_DOCUMENT: ("issuing_body", "document_reference"),
    EvidenceKind.BUDGET_DOCUMENT: (
        "issuing_body",
        "document_reference",
        "amount",
        "currency",
        "fiscal_year",
        "budget_programme",
        "budget_stage",
    ),
    EvidenceKind.NEWS_REPORT: ("outlet", "author", "relays_source", "relayed_source"),
    EvidenceKind.TESTIMONY: ("consent_recorded", "consent_date", "consent_recorded_by", "pseudonym", "risk_level"),
    EvidenceKind.OWN_RESEARCH: ("method", "sample", "fieldwork_start", "fieldwork_end"),
    EvidenceKind.INDEPENDENT_STUDY: (),
}
ALL_KIND_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for fields in KIND_FIELDS.values() for f in fields))
# Fields of a testimony that identify or endanger a person: never public, whatever the item's visibility.
PRIVATE_KIND_FIELDS = ("consent_recorded", "consent_date", "consent_recorded_by", "risk_level")

EDITABLE_STATUSES = (EvidenceStatus.DRAFT, EvidenceStatus.CHANGES_REQUESTED)

# The whole lifecycle. Only services/evidence.py and services/moderation.py change `status`, through this table.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    EvidenceStatus.DRAFT: {EvidenceStatus.SUBMITTED},
    EvidenceStatus.SUBMITTED: {EvidenceStatus.APPROVED, EvidenceStatus.REJECTED, EvidenceStatus.CHANGES_REQUESTED},
    EvidenceStatus.CHANGES_REQUESTED: {EvidenceStatus.SUBMITTED},
    EvidenceStatus.APPROVED: {EvidenceStatus.WITHDRAWN},
    EvidenceStatus.REJECTED: set(),
    EvidenceStatus.WITHDRAWN: set(),
}


def transition_allowed(current: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(current, set())


class Region(BilingualMixin, models.Model):
    """A Mexican state, or 'national' / 'abroad'."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("state or region")
        verbose_name_plural = _("states and regions")
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.tr("name")


def _choices(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Evidence(TimestampedModel):
    """One piece of support about one or more indicators of one plan, for a reporting period."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="evidence")
    indicators = models.ManyToManyField(Indicator, verbose_name=_("indicators"), related_name="evidence")
    organisation = models.ForeignKey(
        "portal.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="evidence"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.PROTECT, related_name="evidence"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(
        _("version"), default=1, help_text=_("Raised on every change; an edit based on an older version is refused.")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices, blank=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    source_url = models.URLField(_("source URL"), max_length=1000, blank=True)
    # Partial dates (monitoring/partial_dates.py): the first day of a start, the last day of an end, and how
    # precise the source was. Sort and filter on the date columns; show and export only through the properties.
    source_date = models.DateField(_("source date"), null=True, blank=True)
    source_date_precision = models.CharField(
        _("precision of the source date"), max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_start_precision = models.CharField(
        _("precision of the period start"), max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    period_end = models.DateField(_("period to"), null=True, blank=True)
    period_end_precision = models.CharField(
        _("precision of the period end"), max_length=5, choices=Precision.choices, default=Precision.DAY
    )
    reported_value = models.DecimalField(_("reported value"), max_digits=16, decimal_places=2, null=True, blank=True)
    value_unit = models.CharField(_("unit of the value"), max_length=20, blank=True)
    regions = models.ManyToManyField(Region, verbose_name=_("states concerned"), blank=True, related_name="evidence")
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions concerned"), blank=True, related_name="evidence"
    )
    language = models.CharField(_("language of the source"), max_length=12, choices=EvidenceLanguage.choices)
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    creation_key = models.UUIDField(
        null=True,
        blank=True,
        editable=False,
        help_text="Sent by the form: a second submission of the same form creates nothing.",
    )
    transparency_request = models.ForeignKey(
        "monitoring.TransparencyRequest",
        verbose_name=_("from transparency request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )
    # -- Fields of one kind only (KIND_FIELDS below says which); blank or null for every other kind -------------
    # Official statistic (its value and unit are reported_value / value_unit above).
    series_name = models.CharField(_("series or table"), max_length=300, blank=True)
    disaggregation = models.JSONField(_("disaggregated by"), default=list, blank=True)
    producing_body = models.CharField(_("producing body"), max_length=200, blank=True)
    # Answer to a transparency request (the request itself, when it is in the portal: transparency_request above).
    folio = models.CharField(_("folio"), max_length=40, blank=True)
    answering_institution = models.ForeignKey(
        Institution,
        verbose_name=_("answering institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answer_type = models.CharField(_("type of answer"), max_length=20, choices=AnswerType.choices, blank=True)
    # Official or budget document.
    issuing_body = models.CharField(_("issuing body"), max_length=200, blank=True)
    document_reference = models.CharField(
        _("document number or Official Gazette reference"), max_length=200, blank=True
    )
    # Budget document.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"), null=True, blank=True)
    budget_programme = models.CharField(_("budget programme key"), max_length=30, blank=True)
    budget_stage = models.CharField(_("budget stage"), max_length=10, choices=BudgetStage.choices, blank=True)
    # News report (its publication date is the source date above).
    outlet = models.CharField(_("outlet"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    relays_source = models.BooleanField(_("relays another source"), default=False)
    relayed_source = models.CharField(_("source relayed"), max_length=300, blank=True)
    # Testimony.
    consent_recorded = models.BooleanField(_("consent recorded"), default=False)
    consent_date = models.DateField(_("date of consent"), null=True, blank=True)
    consent_recorded_by = models.CharField(_("consent recorded by"), max_length=200, blank=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, blank=True)
    # Own research.
    method = models.CharField(_("method"), max_length=300, blank=True)
    sample = models.CharField(_("sample"), max_length=300, blank=True)
    fieldwork_start = models.DateField(_("fieldwork from"), null=True, blank=True)
    fieldwork_end = models.DateField(_("fieldwork to"), null=True, blank=True)

    # -- Reliability (docs/RELIABILITY.md): set by the member, confirmed or changed by the moderator at approval --
    source_reliability = models.CharField(
        _("reliability of the source"), max_length=20, choices=SourceReliability.choices, blank=True
    )
    information_credibility = models.CharField(
        _("credibility of the information"), max_length=20, choices=InformationCredibility.choices, blank=True
    )
    reliability_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reliability confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reliability_confirmed_at = models.DateTimeField(_("reliability confirmed at"), null=True, blank=True)

    # Search: a tsvector (Spanish and English stemming, accent-insensitive) on PostgreSQL, GIN-indexed by
    # migration 0006; and the same text lower-cased without accents, for the SQLite fallback.
    search_vector = SearchVectorField(null=True, editable=False)
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "creation_key"],
                name="evidence_created_once_per_form",
                condition=Q(creation_key__isnull=False),
            ),
            _choices("status", EvidenceStatus, "evidence_status_valid"),
            _choices("visibility", Visibility, "evidence_visibility_valid"),
            _choices("language", EvidenceLanguage, "evidence_language_valid"),
            _choices("source_date_precision", Precision, "evidence_source_date_precision_valid"),
            _choices("period_start_precision", Precision, "evidence_period_start_precision_valid"),
            _choices("period_end_precision", Precision, "evidence_period_end_precision_valid"),
            models.CheckConstraint(condition=Q(kind="") | Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"),
            models.CheckConstraint(
                condition=Q(answer_type="") | Q(answer_type__in=AnswerType.values), name="evidence_answer_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(budget_stage="") | Q(budget_stage__in=BudgetStage.values),
                name="evidence_budget_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(risk_level="") | Q(risk_level__in=RiskLevel.values), name="evidence_risk_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(source_reliability="") | Q(source_reliability__in=SourceReliability.values),
                name="evidence_source_reliability_valid",
            ),
            models.CheckConstraint(
                condition=Q(information_credibility="") | Q(information_credibility__in=InformationCredibility.values),
                name="evidence_information_credibility_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="evidence_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(fieldwork_start__isnull=True)
                | Q(fieldwork_end__isnull=True)
                | Q(fieldwork_end__gte=models.F("fieldwork_start")),
                name="evidence_fieldwork_ordered",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="evidence_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="evidence_org_recent_idx"),
            models.Index(fields=["status", "submitted_at"], name="evidence_queue_idx"),
            # The public list, newest source first, and its count: an index over public rows only.
            models.Index(
                fields=["-source_date", "-id"],
                name="evidence_public_recent_idx",
                condition=Q(**PUBLIC_EVIDENCE),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("monitoring:evidence_detail", kwargs={"uuid": self.uuid})

    @property
    def is_public(self) -> bool:
        """What ``Evidence.objects.public()`` selects, for one item: approved and public."""
        return matches(self, PUBLIC_EVIDENCE)

    @property
    def was_submitted(self) -> bool:
        """What ``Evidence.objects.ever_submitted()`` selects, for one item: anything but a draft."""
        return not matches(self, DRAFT_EVIDENCE)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def source_when(self) -> PartialDate | None:
        """The source date as precise as the source gave it."""
        return PartialDate.from_stored(self.source_date, self.source_date_precision)

    @property
    def period_from(self) -> PartialDate | None:
        return PartialDate.from_stored(self.period_start, self.period_start_precision)

    @property
    def period_to(self) -> PartialDate | None:
        return PartialDate.from_stored(self.period_end, self.period_end_precision)

    @property
    def source_date_iso(self) -> str | None:
        """Reduced-precision ISO 8601, as exported: "2023", "2021-04" or "2021-04-15"."""
        return iso_or_none(self.source_when)

    @property
    def period_start_iso(self) -> str | None:
        return iso_or_none(self.period_from)

    @property
    def period_end_iso(self) -> str | None:
        return iso_or_none(self.period_to)

    @property
    def period_iso(self) -> str | None:
        """The period as one ISO 8601 value: "2021" for a single year, "2021-04/2021-06" for a range."""
        return period_iso(self.period_from, self.period_to)

    @property
    def period_label(self) -> str:
        """The reporting period in the active language: "2021", "abril de 2021 – junio de 2021"."""
        return period_label(self.period_from, self.period_to)


def attachment_path(instance: EvidenceAttachment, filename: str) -> str:
    # Random, meaningless names: the original name is kept only for display.
    return f"evidence/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class EvidenceAttachment(StoredFile):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the stored file"), max_length=64)
    original_sha256 = models.CharField(_("SHA-256 of the file as uploaded"), max_length=64)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def get_absolute_url(self) -> str:
        return reverse("monitoring:attachment_download", kwargs={"uuid": self.uuid})


class EntryKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ModerationEntry(models.Model):
    """The conversation about one item: each submission (with the submitter's note) and each decision.

    Append-only; the submitter sees it on the item page, moderators on the moderation page.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="moderation_entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what happened"), max_length=20, choices=EntryKind.choices)
    text = models.TextField(_("reason or note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation entry")
        verbose_name_plural = _("moderation entries")
        constraints = [_choices("kind", EntryKind, "moderationentry_kind_valid")]
        indexes = [models.Index(fields=["evidence", "created_at"], name="moderation_entry_item_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.evidence}"


class PublicIndicatorEvidence(models.Model):
    """One line of an indicator's public evidence: a public item linked to the indicator, with its period start.

    A denormalised index, not a source: the indicator page lists its newest 20 items (by period) and counts them
    from here through one small index, instead of sorting every public item of the indicator. It holds exactly
    the (item, indicator) links of ``Evidence.objects.public()``: ``sync()`` rewrites an item's rows, and
    ``monitoring.public_state.evidence_changed`` calls it inside the transaction that made the items public or
    not public (approval, withdrawal). Migration 0017 filled it for existing rows; writers that bypass the
    services (the load generator) call ``rebuild()``.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", db_index=False)
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="public_indicator_rows")
    period_start = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("public evidence of an indicator")
        verbose_name_plural = _("public evidence of indicators")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "evidence"], name="public_indicator_evidence_unique")
        ]
        indexes = [
            # The indicator page's top 20, in the order it shows them (period start, newest first; then id).
            models.Index(fields=["indicator", "-period_start", "-evidence"], name="public_indicator_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} · {self.evidence_id}"

    @staticmethod
    def sync(evidence_ids: list[int]) -> None:
        """Rewrite the rows of these items from what is public now (call inside the changing transaction)."""
        if not evidence_ids:
            return
        rows = PublicIndicatorEvidence.objects
        rows.filter(evidence_id__in=evidence_ids).delete()
        links = Evidence.indicators.through.objects.filter(
            evidence_id__in=evidence_ids, evidence__in=Evidence.objects.public()
        ).values_list("indicator_id", "evidence_id", "evidence__period_start")
        rows.bulk_create(
            [PublicIndicatorEvidence(indicator_id=i, evidence_id=e, period_start=start) for i, e, start in links],
            batch_size=1000,
        )

    @staticmethod
    def rebuild() -> None:
        """Rewrite the whole table from the public links, in one statement (for bulk writers and migration 0017)."""
        from django.db import connection

        PublicIndicatorEvidence.objects.all().delete()
        public = Evidence.objects.public().values("pk").query
        through = Evidence.indicators.through._meta.db_table
        table = PublicIndicatorEvidence._meta.db_table
        evidence = Evidence._meta.db_table
        sql, params = public.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{table}" (indicator_id, evidence_id, period_start)'  # noqa: S608 - model tables
                f' SELECT l.indicator_id, l.evidence_id, e.period_start FROM "{through}" l'
                f' JOIN "{evidence}" e ON e.id = l.evidence_id WHERE l.evidence_id IN ({sql})',
                params,
            )
