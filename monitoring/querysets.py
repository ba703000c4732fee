"""Read vocabulary for the catalogue. Public pages use only these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Prefetch

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
