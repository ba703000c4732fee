"""Database constraints of the catalogue: codes unique per plan, valid choices, coherent indicators."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from monitoring.models import Indicator, Institution, Pillar, Plan

pytestmark = pytest.mark.django_db


def test_indicator_codes_are_unique_within_a_plan(mx_plan):
    existing = Indicator.objects.get(plan=mx_plan, code="I01")
    existing.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        existing.save()


def test_pillar_codes_are_unique_within_a_plan(mx_plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pillar.objects.create(plan=mx_plan, code="P1", name_es="x", name_en="x")


@pytest.mark.parametrize(
    ("field", "value"),
    [("unit", "kilos"), ("wording", "rumour"), ("placement", "anywhere")],
)
def test_indicator_choices_are_enforced_by_the_database(mx_plan, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(plan=mx_plan, code="I01").update(**{field: value})


def test_an_official_indicator_must_hang_from_a_line_of_action(mx_plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(plan=mx_plan, code="I01").update(line_of_action=None)


def test_a_civil_society_indicator_has_no_line_of_action(mx_plan):
    line = Indicator.objects.get(plan=mx_plan, code="I01").line_of_action
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(plan=mx_plan, code="CS01").update(line_of_action=line)


def test_a_target_value_needs_a_comparator(mx_plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(plan=mx_plan, code="I13").update(target_comparator="")


def test_a_plan_period_cannot_end_before_it_starts(mx_plan):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.filter(pk=mx_plan.pk).update(period_end="2000-01-01")


def test_an_institution_cannot_succeed_itself(mx_plan):
    sre = Institution.objects.get(code="SRE")
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.filter(pk=sre.pk).update(successor=sre)


def test_bilingual_fields_follow_the_active_language(mx_plan):
    from django.utils import translation

    pillar = Pillar.objects.get(plan=mx_plan, code="P4")
    with translation.override("es"):
        assert pillar.name == "Socorro y Recuperación"
    with translation.override("en"):
        assert pillar.name == "Relief and Recovery"
    assert str(mx_plan) == "PNA-1325 (MX, 2021–2024)"
