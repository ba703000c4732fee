"""Importing a plan catalogue (format `nap-catalogue/1`, see shared/nap/README.md).

The file is validated whole before anything is written; on any error nothing is
written and every error is reported with the item's code or line. Items are
matched by code (the plan by slug) and updated in place, so evidence and
assessments stay attached. Items missing from the file are reported, never deleted.
Every change is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from monitoring.models import (
    Indicator,
    Institution,
    LineOfAction,
    Objective,
    Pillar,
    Placement,
    Plan,
    PlanInstitution,
    Wording,
)
from monitoring.services.catalogue_parsing import (
    CatalogueError,
    ImportReport,
    as_date,
    as_decimal,
    parse_catalogue,
    read_catalogue,
)
from portal import audit, page_cache
from portal.models import User

__all__ = ["CatalogueError", "ImportReport", "import_catalogue", "parse_catalogue", "read_catalogue"]


# --------------------------------------------------------------------------- applying


def import_catalogue(*, data: dict[str, Any], actor: User | None = None, dry_run: bool = False) -> ImportReport:
    """Create or update the plan in ``data`` (already validated) in one transaction.

    With ``dry_run`` everything is computed and then rolled back, so the report lists
    exactly what a real import would change.
    """
    with transaction.atomic():
        report = _Importer(data, actor).run()
        report.dry_run = dry_run
        page_cache.bump_all()  # on commit: a dry run, rolled back, changes nothing
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Importer:
    def __init__(self, data: dict[str, Any], actor: User | None):
        self.data = data
        self.actor = actor
        self.report = ImportReport(plan_slug=data["plan"]["slug"])

    def run(self) -> ImportReport:
        plan_data = self.data["plan"]
        plan = Plan.objects.select_for_update().filter(slug=plan_data["slug"]).first()
        plan = self.upsert(
            Plan,
            plan,
            f"plan {plan_data['slug']}",
            {
                "slug": plan_data["slug"],
                "country": plan_data["country"],
                "short_name": plan_data["short_name"],
                "title_es": plan_data["title_es"],
                "title_en": plan_data["title_en"],
                "adopted": as_date(plan_data.get("adopted")),
                "period_start": as_date(plan_data["period_start"]),
                "period_end": as_date(plan_data["period_end"]),
                "review_due": plan_data.get("review_due"),
                "summary_es": plan_data.get("summary_es") or "",
                "summary_en": plan_data.get("summary_en") or "",
                "wording_note_es": plan_data.get("wording_note_es") or "",
                "wording_note_en": plan_data.get("wording_note_en") or "",
                "sources": plan_data.get("sources") or [],
            },
        )
        institutions = self.import_institutions(plan)
        pillars = self.import_items(
            plan,
            Pillar,
            "pillars",
            lambda item: {
                "name_es": item["name_es"],
                "name_en": item["name_en"],
                "description_es": item["description_es"],
                "description_en": item["description_en"],
            },
        )
        objectives = self.import_items(
            plan, Objective, "objectives", lambda item: {**_flags(item), "pillar": pillars[item["pillar"]]}
        )
        lines = self.import_items(
            plan,
            LineOfAction,
            "lines_of_action",
            lambda item: {**_flags(item), "objective": objectives[item["objective"]]},
            responsible=institutions,
        )
        self.import_items(
            plan,
            Indicator,
            "indicators",
            lambda item: {
                **_flags(item),
                **_measure(item),
                "is_official": True,
                "line_of_action": lines[item["line_of_action"]],
                "pillar": objectives[self._objective_of(item)].pillar,
                "rationale_es": "",
                "rationale_en": "",
            },
            responsible=institutions,
            extra_sections=["civil_society_indicators"],
            extra_fields=lambda item: {
                "text_es": item["text_es"],
                "text_en": item["text_en"],
                "wording": Wording.SECONDARY,
                "placement": Placement.SECONDARY,
                "sources": item.get("source") or [],
                "note": "",
                "unit": item["unit"],
                "direction": "",
                "target_value": None,
                "target_comparator": "",
                "target_period": "",
                "target_text_es": "",
                "target_text_en": "",
                "baseline_value": None,
                "baseline_year": None,
                "baseline_source": "",
                "disaggregation": [],
                "is_official": False,
                "line_of_action": None,
                "pillar": pillars[item["pillar"]],
                "rationale_es": item["rationale_es"],
                "rationale_en": item["rationale_en"],
            },
        )
        return self.report

    def _objective_of(self, indicator: dict[str, Any]) -> str:
        for line in self.data["lines_of_action"]:
            if line["code"] == indicator["line_of_action"]:
                return str(line["objective"])
        raise KeyError(indicator["line_of_action"])  # unreachable after validation

    def import_institutions(self, plan: Plan) -> dict[str, Institution]:
        items = self.data["institutions"]
        existing = {i.code: i for i in Institution.objects.filter(code__in=[i["code"] for i in items])}
        result: dict[str, Institution] = {}
        for item in items:
            result[item["code"]] = self.upsert(
                Institution,
                existing.get(item["code"]),
                f"institution {item['code']}",
                {
                    "code": item["code"],
                    "country": plan.country,
                    "name_es": item["name_es"],
                    "name_en": item["name_en"],
                    "note_en": item.get("note_en") or "",
                },
            )
        for item in items:
            successor = result[item["successor"]] if item.get("successor") else None
            self.upsert(
                Institution, result[item["code"]], f"institution {item['code']}", {"successor": successor}, count=False
            )
        roles = {r.institution_id: r for r in PlanInstitution.objects.filter(plan=plan)}
        for item in items:
            institution = result[item["code"]]
            self.upsert(
                PlanInstitution,
                roles.get(institution.pk),
                f"institution {item['code']} in plan",
                {"plan": plan, "institution": institution, "signatory": item["signatory"]},
            )
        return result

    def import_items(
        self,
        plan: Plan,
        model: type[models.Model],
        section: str,
        fields_of: Any,
        responsible: dict[str, Institution] | None = None,
        extra_sections: list[str] | None = None,
        extra_fields: Any = None,
    ) -> dict[str, Any]:
        manager: Any = model._default_manager
        existing: dict[str, Any] = {obj.code: obj for obj in manager.filter(plan=plan).select_for_update()}
        entries = [(item, fields_of) for item in self.data[section]]
        for extra in extra_sections or []:
            entries += [(item, extra_fields) for item in self.data[extra]]
        result: dict[str, Any] = {}
        label = str(model._meta.verbose_name)
        for position, (item, make_fields) in enumerate(entries, start=1):
            code = item["code"]
            values = {"plan": plan, "code": code, "position": position, **make_fields(item)}
            obj = self.upsert(model, existing.get(code), f"{model._meta.model_name} {code}", values)
            if responsible is not None:
                self.set_responsible(obj, [responsible[c] for c in item.get("responsible") or []])
            result[code] = obj
        for code, obj in existing.items():
            if code not in result and obj.retired_at is None:
                self.report.missing.append(f"{label} {code}")
        return result

    def set_responsible(self, obj: Any, institutions: list[Institution]) -> None:
        before = sorted(i.code for i in obj.responsible.all())
        after = sorted(i.code for i in institutions)
        if before != after:
            obj.responsible.set(institutions)
            name = f"{obj._meta.model_name} {obj.code}"
            if name not in self.report.created and name not in self.report.updated:
                self.report.updated.append(name)
            audit.record(
                action=f"monitoring.{obj._meta.model_name}.updated",
                obj=obj,
                actor=self.actor,
                changes={"responsible": [before, after]},
                reason="catalogue import",
            )

    def upsert(self, model: type[models.Model], obj: Any, name: str, values: dict[str, Any], count: bool = True) -> Any:
        action_prefix = f"monitoring.{model._meta.model_name}"
        if obj is None:
            obj = model(**values)
            obj.full_clean(validate_unique=False, validate_constraints=False)
            obj.save()
            self.report.created.append(name)
            audit.record(
                action=f"{action_prefix}.created",
                obj=obj,
                actor=self.actor,
                changes={k: [None, _jsonable(v)] for k, v in values.items() if k != "plan"},
                reason="catalogue import",
            )
            return obj
        changes = {}
        for key, value in values.items():
            current = getattr(obj, key)
            if not _same(current, value):
                changes[key] = [_jsonable(current), _jsonable(value)]
                setattr(obj, key, value)
        if changes:
            obj.save()
            if name not in self.report.updated and name not in self.report.created:
                self.report.updated.append(name)
            audit.record(
                action=f"{action_prefix}.updated", obj=obj, actor=self.actor, changes=changes, reason="catalogue import"
            )
        elif count and name not in self.report.created and name not in self.report.updated:
            self.report.unchanged += 1
        return obj


def _flags(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "text_es": item["text_es"],
        "text_en": item["text_en"],
        "wording": item["wording"],
        "placement": item["placement"],
        "sources": item.get("source") or [],
        "note": item.get("note") or "",
    }


def _measure(item: dict[str, Any]) -> dict[str, Any]:
    target = item.get("target") or {}
    baseline = item.get("baseline") or {}
    return {
        "unit": item["unit"],
        "direction": item["direction"],
        "target_value": as_decimal(target.get("value")),
        "target_comparator": target.get("comparator", ""),
        "target_period": target.get("period", ""),
        "target_text_es": target.get("text_es", ""),
        "target_text_en": target.get("text_en", ""),
        "baseline_value": as_decimal(baseline.get("value")),
        "baseline_year": baseline.get("year"),
        "baseline_source": str(baseline.get("source") or ""),
        "disaggregation": item.get("disaggregation") or [],
    }


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", None) == getattr(new, "pk", None)
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        if current is None or new is None:
            return current is new
        return Decimal(current) == Decimal(new)
    return bool(current == new)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return value
