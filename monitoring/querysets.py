"""The read vocabulary: every "what may the public see" and "who may read what" rule, said once.

Public surfaces (pages, API, CSVs, report snapshots, sitemap, search) read through these methods and nothing
else; model properties such as ``Evidence.is_public`` apply the same rule to one object via ``matches``.
This module imports no model (the models import it); the choices come from ``monitoring/choices.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from monitoring.choices import EvidenceStatus, Visibility

if TYPE_CHECKING:
    from monitoring.models import Plan


class CatalogueQuerySet(models.QuerySet):
    def active(self) -> CatalogueQuerySet:
        """Items not retired: what the public pages list."""
        return self.filter(retired_at__isnull=True)


def plan_tree(plan: Plan) -> list:
    """The plan's pillars with objectives → lines → indicators and civil-society indicators attached.

    A fixed number of queries whatever the plan's size: one per level.
    """
    from monitoring.models import Indicator, LineOfAction, Objective, Pillar

    indicators = Indicator.objects.active().order_by("position")
    lines = (
        LineOfAction.objects.active()
        .order_by("position")
        .prefetch_related("responsible", Prefetch("indicators", queryset=indicators.filter(is_official=True)))
    )
    objectives = Objective.objects.active().order_by("position").prefetch_related(Prefetch("lines", queryset=lines))
    return list(
        Pillar.objects.active()
        .filter(plan=plan)
        .order_by("position")
        .prefetch_related(
            Prefetch("objectives", queryset=objectives),
            Prefetch("indicators", queryset=indicators.filter(is_official=False), to_attr="civil_society_indicators"),
        )
    )


# The rules as field values, so that a queryset filter, a partial index and a model property share them.
PUBLIC_EVIDENCE: dict[str, str] = {"status": EvidenceStatus.APPROVED, "visibility": Visibility.PUBLIC}
REVIEWERS_EVIDENCE: dict[str, str] = {"status": EvidenceStatus.APPROVED, "visibility": Visibility.REVIEWERS}
DRAFT_EVIDENCE: dict[str, str] = {"status": EvidenceStatus.DRAFT}
PUBLIC_REQUEST: dict[str, bool] = {"is_public": True}


def matches(obj: Any, rule: dict[str, Any]) -> bool:
    """Whether one object satisfies a rule above: the model-property side of a queryset method."""
    return all(getattr(obj, field) == value for field, value in rule.items())


def embargo_passed(public_from: Any, now: Any = None) -> bool:
    """A published report version is readable once its embargo (if any) has passed."""
    return public_from is None or public_from <= (now or timezone.now())


class EvidenceQuerySet(models.QuerySet):
    """Read vocabulary for evidence. Public surfaces use only `public()`."""

    def public(self) -> EvidenceQuerySet:
        """Approved evidence whose visibility is public: the only evidence anonymous readers ever see."""
        return self.filter(**PUBLIC_EVIDENCE)

    def approved(self) -> EvidenceQuerySet:
        """Approved evidence whatever its visibility: narrow ``visible_to(user)`` with it, never widen."""
        return self.filter(status=EvidenceStatus.APPROVED)

    def ever_submitted(self) -> EvidenceQuerySet:
        """Everything but drafts: what moderators (and staff in the admin) may see. Drafts stay private."""
        return self.exclude(**DRAFT_EVIDENCE)

    def listing(self) -> EvidenceQuerySet:
        """Without the search columns (a tsvector and a copy of the text): what lists of items never show."""
        return self.defer("search_vector", "search_text")

    def for_indicator(self, indicator: Any) -> EvidenceQuerySet:
        return self.filter(indicators=indicator)

    def visible_to(self, user: Any) -> EvidenceQuerySet:
        """Everything ``user`` may read.

        - anyone: approved public evidence;
        - reviewers (of any organisation): also approved reviewers-only evidence;
        - members: everything of their own organisations, whatever its status or visibility;
        - moderators: everything that has been submitted at least once (drafts stay private).
        """
        from portal.permissions import is_moderator, organisations_of, reviewer_organisation_ids

        condition = Q(**PUBLIC_EVIDENCE)
        if user.is_authenticated:
            if reviewer_organisation_ids(user):
                condition |= Q(**REVIEWERS_EVIDENCE)
            condition |= Q(organisation__in=organisations_of(user))
            if is_moderator(user):
                condition |= ~Q(**DRAFT_EVIDENCE)
        return self.filter(condition)


class ReportVersionQuerySet(models.QuerySet):
    def visible(self) -> ReportVersionQuerySet:
        """Published versions whose embargo, if any, has passed: what the public may read."""
        return self.filter(Q(public_from__isnull=True) | Q(public_from__lte=timezone.now()))


class TransparencyRequestQuerySet(models.QuerySet):
    def public(self) -> TransparencyRequestQuerySet:
        """Requests their organisation marked public: readable by anyone, counted in institutions' records."""
        return self.filter(**PUBLIC_REQUEST)
