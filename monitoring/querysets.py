"""Read vocabulary for the catalogue. Public pages use only these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Prefetch, Q

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


class EvidenceQuerySet(models.QuerySet):
    """Read vocabulary for evidence. Public surfaces use only `public()`."""

    def public(self) -> EvidenceQuerySet:
        """Approved evidence whose visibility is public: the only evidence anonymous readers ever see."""
        return self.filter(status="approved", visibility="public")

    def of_organisations(self, organisation_ids: Iterable[int]) -> EvidenceQuerySet:
        return self.filter(organisation_id__in=list(organisation_ids))

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

        condition = Q(status="approved", visibility="public")
        if user.is_authenticated:
            if reviewer_organisation_ids(user):
                condition |= Q(status="approved", visibility="reviewers")
            condition |= Q(organisation__in=organisations_of(user))
            if is_moderator(user):
                condition |= ~Q(status="draft")
        return self.filter(condition)
