"""Importing a plan catalogue (format `nap-catalogue/1`, see shared/nap/README.md).

The file is validated whole before anything is written; on any error nothing is
written and every error is reported with the item's code or line. Items are
matched by code (the plan by slug) and updated in place, so evidence and
assessments stay attached. Items missing from the file are reported, never deleted.
Every change is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
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
    TargetComparator,
    TargetPeriod,
    Unit,
    Wording,
)
from portal import audit
from portal.models import User

FORMAT = "nap-catalogue/1"
TOP_LEVEL_KEYS = [
    "format",
    "plan",
    "institutions",
    "pillars",
    "objectives",
    "lines_of_action",
    "indicators",
    "civil_society_indicators",
]
LINE_KEY = "__line__"
DIRECTIONS = {"increase", "decrease", "maintain"}


class CatalogueError(Exception):
    """The file cannot be imported. ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportReport:
    plan_slug: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --------------------------------------------------------------------------- parsing


def parse_catalogue(text: str) -> dict[str, Any]:
    """Parse and validate catalogue text; raise CatalogueError listing every problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise CatalogueError([f"Invalid YAML at {where}: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:
        raise CatalogueError([f"Invalid YAML: {exc}"]) from exc
    errors: list[str] = []
    _Validator(errors).validate(data)
    if errors:
        raise CatalogueError(errors)
    return data


def read_catalogue(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([f"Cannot read {path}: {exc}"]) from exc
    return parse_catalogue(text)


class _Validator:
    def __init__(self, errors: list[str]):
        self.errors = errors

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    @staticmethod
    def where(section: str, item: Any, index: int) -> str:
        code = item.get("code") if isinstance(item, dict) else None
        line = item.get(LINE_KEY) if isinstance(item, dict) else None
        label = f"{section}[{index}]" + (f" {code}" if code else "")
        return f"{label} (line {line})" if line else label

    def require(self, where: str, item: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
        if name not in item or item[name] is None:
            self.err(where, f"missing field '{name}'")
            return None
        value = item[name]
        if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.err(where, f"field '{name}' has the wrong type (expected {_type_name(kind)})")
            return None
        if not isinstance(value, kind):
            self.err(where, f"field '{name}' has the wrong type (expected {_type_name(kind)})")
            return None
        if isinstance(value, str) and not value.strip():
            self.err(where, f"field '{name}' is empty")
            return None
        return value

    def optional(self, where: str, item: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
        if item.get(name) is None:
            return None
        return self.require(where, item, name, kind)

    def choice(self, where: str, item: dict[str, Any], name: str, allowed: set[str]) -> None:
        value = self.require(where, item, name, str)
        if value is not None and value not in allowed:
            self.err(where, f"field '{name}' is '{value}', expected one of {', '.join(sorted(allowed))}")

    def codes_list(self, where: str, item: dict[str, Any], name: str, known: set[str], what: str) -> None:
        values = self.require(where, item, name, list)
        for value in values or []:
            if not isinstance(value, str):
                self.err(where, f"field '{name}' must list codes")
            elif value not in known:
                self.err(where, f"unknown {what} '{value}' in '{name}'")

    def items(self, data: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
        items = data.get(section)
        if not isinstance(items, list):
            self.err(section, "must be a list")
            return []
        result = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            where = self.where(section, item, index)
            if not isinstance(item, dict):
                self.err(where, "must be a mapping")
                continue
            code = self.require(where, item, "code", str)
            if code is not None:
                if code in seen:
                    self.err(where, f"duplicate code '{code}'")
                seen.add(code)
            result.append((where, item))
        return result

    def validate(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.err("file", "the top level must be a mapping")
            return
        keys = [k for k in data if k != LINE_KEY]
        for key in keys:
            if key not in TOP_LEVEL_KEYS:
                self.err("file", f"unknown top-level key '{key}'")
        for key in TOP_LEVEL_KEYS:
            if key not in data:
                self.err("file", f"missing top-level key '{key}'")
        if data.get("format") != FORMAT:
            self.err("file", f"format must be '{FORMAT}', not '{data.get('format')}'")
        if self.errors:
            return
        self.validate_plan(data["plan"])
        institutions = self.items(data, "institutions")
        inst_codes = {i["code"] for _, i in institutions if isinstance(i.get("code"), str)}
        for where, item in institutions:
            self.require(where, item, "name_es", str)
            self.require(where, item, "name_en", str)
            self.require(where, item, "signatory", bool)
            self.optional(where, item, "note_en", str)
            successor = self.optional(where, item, "successor", str)
            if successor is not None and successor not in inst_codes:
                self.err(where, f"unknown institution '{successor}' in 'successor'")
            if successor is not None and successor == item.get("code"):
                self.err(where, "an institution cannot be its own successor")
        pillars = self.items(data, "pillars")
        pillar_codes = {p["code"] for _, p in pillars if isinstance(p.get("code"), str)}
        for where, item in pillars:
            for name in ("name_es", "name_en", "description_es", "description_en"):
                self.require(where, item, name, str)
        objectives = self.items(data, "objectives")
        objective_codes = {o["code"] for _, o in objectives if isinstance(o.get("code"), str)}
        for where, item in objectives:
            self.flagged(where, item)
            pillar = self.require(where, item, "pillar", str)
            if pillar is not None and pillar not in pillar_codes:
                self.err(where, f"unknown pillar '{pillar}'")
        lines = self.items(data, "lines_of_action")
        line_codes = {line["code"] for _, line in lines if isinstance(line.get("code"), str)}
        for where, item in lines:
            self.flagged(where, item)
            objective = self.require(where, item, "objective", str)
            if objective is not None and objective not in objective_codes:
                self.err(where, f"unknown objective '{objective}'")
            self.codes_list(where, item, "responsible", inst_codes, "institution")
        indicators = self.items(data, "indicators")
        for where, item in indicators:
            self.flagged(where, item)
            line = self.require(where, item, "line_of_action", str)
            if line is not None and line not in line_codes:
                self.err(where, f"unknown line of action '{line}'")
            self.choice(where, item, "unit", set(Unit.values))
            self.choice(where, item, "direction", DIRECTIONS)
            self.codes_list(where, item, "responsible", inst_codes, "institution")
            disaggregation = item.get("disaggregation", [])
            if not isinstance(disaggregation, list) or not all(isinstance(d, str) for d in disaggregation):
                self.err(where, "field 'disaggregation' must be a list of words")
            self.target(where, item.get("target"))
            self.baseline(where, item.get("baseline"))
        cs_items = self.items(data, "civil_society_indicators")
        official_codes = {i["code"] for _, i in indicators if isinstance(i.get("code"), str)}
        for where, item in cs_items:
            if item.get("code") in official_codes:
                self.err(where, f"duplicate code '{item['code']}' (also an official indicator)")
            pillar = self.require(where, item, "pillar", str)
            if pillar is not None and pillar not in pillar_codes:
                self.err(where, f"unknown pillar '{pillar}'")
            for name in ("text_es", "text_en", "rationale_es", "rationale_en"):
                self.require(where, item, name, str)
            self.choice(where, item, "unit", set(Unit.values))
            self.sources(where, item)

    def validate_plan(self, plan: Any) -> None:
        if not isinstance(plan, dict):
            self.err("plan", "must be a mapping")
            return
        where = f"plan (line {plan.get(LINE_KEY)})"
        for name in ("slug", "country", "title_es", "title_en", "short_name"):
            self.require(where, plan, name, str)
        for name in ("summary_es", "summary_en", "wording_note_es", "wording_note_en"):
            self.optional(where, plan, name, str)
        for name in ("adopted", "period_start", "period_end"):
            value = plan.get(name)
            if _as_date(value) is None:
                self.err(where, f"field '{name}' must be a date written YYYY-MM-DD")
        start, end = _as_date(plan.get("period_start")), _as_date(plan.get("period_end"))
        if start and end and end < start:
            self.err(where, "period_end is before period_start")
        self.optional(where, plan, "review_due", int)
        sources = plan.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            self.err(where, "field 'sources' must be a list of URLs or names")

    def flagged(self, where: str, item: dict[str, Any]) -> None:
        self.require(where, item, "text_es", str)
        self.require(where, item, "text_en", str)
        self.choice(where, item, "wording", set(Wording.values))
        self.choice(where, item, "placement", set(Placement.values))
        self.sources(where, item)
        self.optional(where, item, "note", str)

    def sources(self, where: str, item: dict[str, Any]) -> None:
        sources = self.require(where, item, "source", list)
        if sources is not None and not all(isinstance(s, str) for s in sources):
            self.err(where, "field 'source' must be a list of URLs or names")

    def target(self, where: str, target: Any) -> None:
        if target is None:
            return
        if not isinstance(target, dict):
            self.err(where, "field 'target' must be a mapping or null")
            return
        if _as_decimal(target.get("value")) is None:
            self.err(where, "target value must be a number")
        if target.get("period") not in TargetPeriod.values:
            self.err(where, f"target period must be one of {', '.join(TargetPeriod.values)}")
        if target.get("comparator") not in TargetComparator.values:
            self.err(where, f"target comparator must be one of {', '.join(TargetComparator.values)}")
        for name in ("text_es", "text_en"):
            self.require(where, target, name, str)

    def baseline(self, where: str, baseline: Any) -> None:
        if baseline is None:
            return
        if not isinstance(baseline, dict):
            self.err(where, "field 'baseline' must be a mapping or null")
            return
        if _as_decimal(baseline.get("value")) is None:
            self.err(where, "baseline value must be a number")
        if not isinstance(baseline.get("year"), int) or isinstance(baseline.get("year"), bool):
            self.err(where, "baseline year must be a whole number")


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------- applying


def import_catalogue(*, data: dict[str, Any], actor: User | None = None, dry_run: bool = False) -> ImportReport:
    """Create or update the plan in ``data`` (already validated) in one transaction.

    With ``dry_run`` everything is computed and then rolled back, so the report lists
    exactly what a real import would change.
    """
    with transaction.atomic():
        report = _Importer(data, actor).run()
        report.dry_run = dry_run
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
                "adopted": _as_date(plan_data.get("adopted")),
                "period_start": _as_date(plan_data["period_start"]),
                "period_end": _as_date(plan_data["period_end"]),
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
        "target_value": _as_decimal(target.get("value")),
        "target_comparator": target.get("comparator", ""),
        "target_period": target.get("period", ""),
        "target_text_es": target.get("text_es", ""),
        "target_text_en": target.get("text_en", ""),
        "baseline_value": _as_decimal(baseline.get("value")),
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
