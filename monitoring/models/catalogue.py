"""The plan catalogue: Plan → Pillar → Objective → LineOfAction → Indicator, and institutions.

Codes are the portal's stable identifiers (unique per plan) and appear in permalinks,
evidence and assessments; they are never reused for a different meaning.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from monitoring.models.base import TimestampedModel
from monitoring.models.bilingual import BilingualMixin
from monitoring.querysets import CatalogueQuerySet


class Wording(models.TextChoices):
    OFFICIAL = "official", _("Official wording")
    SECONDARY = "secondary", _("From a secondary source")
    PROVISIONAL = "provisional", _("Provisional reconstruction")


class Placement(models.TextChoices):
    OFFICIAL = "official", _("Official placement")
    SECONDARY = "secondary", _("Placement from a secondary source")
    PROVISIONAL = "provisional", _("Provisional placement")


class Unit(models.TextChoices):
    COUNT = "count", _("Count")
    PERCENTAGE = "percentage", _("Percentage")
    BOOLEAN = "boolean", _("Yes / no")
    TEXT = "text", _("Text")


class Direction(models.TextChoices):
    INCREASE = "increase", _("Should increase")
    DECREASE = "decrease", _("Should decrease")
    MAINTAIN = "maintain", _("Should be maintained")


class TargetPeriod(models.TextChoices):
    PER_YEAR = "per_year", _("per year")
    TOTAL = "total", _("in total")
    BY_END = "by_end", _("by the end of the plan")


class TargetComparator(models.TextChoices):
    AT_LEAST = ">=", _("at least")
    MORE_THAN = ">", _("more than")
    EXACTLY = "=", _("exactly")


DISAGGREGATION_LABELS = {
    "sex": _("sex"),
    "institution": _("institution"),
    "state": _("state"),
    "municipality": _("municipality"),
    "government_level": _("level of government"),
    "rank": _("rank"),
    "mission": _("mission"),
    "course": _("course"),
    "language": _("language"),
    "forum": _("forum"),
}


def _choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Plan(BilingualMixin, TimestampedModel):
    """One country's national action plan for one period. Several plans may coexist."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. MX."))
    short_name = models.CharField(_("short name"), max_length=40)
    title_es = models.TextField(_("title (Spanish)"))
    title_en = models.TextField(_("title (English)"))
    adopted = models.DateField(_("adopted on"), null=True, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    review_due = models.PositiveSmallIntegerField(_("review due (year)"), null=True, blank=True)
    summary_es = models.TextField(_("summary (Spanish)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    wording_note_es = models.TextField(
        _("wording note (Spanish)"),
        blank=True,
        help_text=_("Shown on every page that displays texts whose wording is not official."),
    )
    wording_note_en = models.TextField(_("wording note (English)"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-period_start", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="plan_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.country}, {self.period_start:%Y}–{self.period_end:%Y})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:plan_detail", kwargs={"plan_slug": self.slug})

    @property
    def title(self) -> str:
        return self.tr("title")

    @property
    def summary(self) -> str:
        return self.tr("summary")

    @property
    def wording_note(self) -> str:
        return self.tr("wording_note")


class Institution(BilingualMixin, TimestampedModel):
    """A government body that signed or answers for commitments (SRE, SEDENA, ...)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    country = models.CharField(_("country"), max_length=2)
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    note_en = models.TextField(_("note (English)"), blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("The institution that now answers for this one's commitments."),
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(successor=models.F("pk")), name="institution_not_own_successor"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("monitoring:institution_detail", kwargs={"code": self.code})

    @property
    def name(self) -> str:
        return self.tr("name")


class PlanInstitution(models.Model):
    """An institution's part in a plan: signatory or merely named in commitments."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_institutions")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="plan_roles")
    signatory = models.BooleanField(_("signatory"), default=False)

    class Meta:
        verbose_name = _("institution in plan")
        verbose_name_plural = _("institutions in plan")
        constraints = [
            models.UniqueConstraint(fields=["plan", "institution"], name="plan_institution_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} in {self.plan.slug}"


class CatalogueItem(BilingualMixin, TimestampedModel):
    """Fields shared by pillars, objectives, lines of action and indicators."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE)
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0, help_text=_("Order within the plan."))
    retired_at = models.DateTimeField(
        _("retired at"),
        null=True,
        blank=True,
        help_text=_("Retired items stay attached to their evidence but are no longer listed."),
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.code


class FlaggedItem(CatalogueItem):
    """Items whose wording and placement carry honesty flags."""

    text_es = models.TextField(_("text (Spanish)"))
    text_en = models.TextField(_("text (English)"))
    wording = models.CharField(_("wording"), max_length=20, choices=Wording.choices)
    placement = models.CharField(_("placement"), max_length=20, choices=Placement.choices)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Why the flags are what they are (English)."))

    class Meta:
        abstract = True

    @property
    def text(self) -> str:
        return self.tr("text")

    @property
    def is_official_wording(self) -> bool:
        return self.wording == Wording.OFFICIAL


class Pillar(CatalogueItem):
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="pillar_code_unique_per_plan")]

    @property
    def name(self) -> str:
        return self.tr("name")

    @property
    def description(self) -> str:
        return self.tr("description")


class Objective(FlaggedItem):
    pillar = models.ForeignKey(Pillar, verbose_name=_("pillar"), on_delete=models.PROTECT, related_name="objectives")

    class Meta:
        verbose_name = _("strategic objective")
        verbose_name_plural = _("strategic objectives")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="objective_code_unique_per_plan"),
            _choices_check("wording", Wording, "objective_wording_valid"),
            _choices_check("placement", Placement, "objective_placement_valid"),
        ]


class LineOfAction(FlaggedItem):
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.PROTECT, related_name="lines"
    )
    responsible = models.ManyToManyField(
        Institution, verbose_name=_("responsible institutions"), blank=True, related_name="lines_of_action"
    )

    class Meta:
        verbose_name = _("line of action")
        verbose_name_plural = _("lines of action")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="line_code_unique_per_plan"),
            _choices_check("wording", Wording, "line_wording_valid"),
            _choices_check("placement", Placement, "line_placement_valid"),
        ]


class Indicator(FlaggedItem):
    """An official indicator (under a line of action) or a civil-society one (under a pillar only)."""

    pillar = models.ForeignKey(Pillar, verbose_name=_("pillar"), on_delete=models.PROTECT, related_name="indicators")
    line_of_action = models.ForeignKey(
        LineOfAction,
        verbose_name=_("line of action"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    is_official = models.BooleanField(
        _("official indicator"),
        default=True,
        help_text=_("Civil-society indicators are added by organisations and are not part of the plan."),
    )
    rationale_es = models.TextField(_("rationale (Spanish)"), blank=True)
    rationale_en = models.TextField(_("rationale (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=20, choices=Direction.choices, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_comparator = models.CharField(
        _("target comparator"), max_length=2, choices=TargetComparator.choices, blank=True
    )
    target_period = models.CharField(_("target period"), max_length=20, choices=TargetPeriod.choices, blank=True)
    target_text_es = models.TextField(_("target (Spanish)"), blank=True)
    target_text_en = models.TextField(_("target (English)"), blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=14, decimal_places=2, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_source = models.TextField(_("baseline source"), blank=True)
    responsible = models.ManyToManyField(
        Institution, verbose_name=_("responsible institutions"), blank=True, related_name="indicators"
    )
    disaggregation = models.JSONField(_("disaggregation"), default=list, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_unique_per_plan"),
            _choices_check("unit", Unit, "indicator_unit_valid"),
            _choices_check("wording", Wording, "indicator_wording_valid"),
            _choices_check("placement", Placement, "indicator_placement_valid"),
            models.CheckConstraint(
                condition=Q(is_official=True, line_of_action__isnull=False)
                | Q(is_official=False, line_of_action__isnull=True),
                name="indicator_official_has_line",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | ~Q(target_comparator=""),
                name="indicator_target_has_comparator",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("monitoring:indicator_detail", kwargs={"plan_slug": self.plan.slug, "code": self.code})

    @property
    def rationale(self) -> str:
        return self.tr("rationale")

    @property
    def target_text(self) -> str:
        return self.tr("target_text")

    @property
    def disaggregation_labels(self) -> list[str]:
        return [str(DISAGGREGATION_LABELS.get(key, key)) for key in self.disaggregation]

    @property
    def is_quantitative(self) -> bool:
        return self.unit in (Unit.COUNT, Unit.PERCENTAGE)
