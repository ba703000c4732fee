"""Reading and validating a plan catalogue file (format `nap-catalogue/1`, see shared/nap/README.md).

Every problem in the file is collected, with the item's code and line, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from monitoring.models import Placement, TargetComparator, TargetPeriod, Unit, Wording

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
            if as_date(value) is None:
                self.err(where, f"field '{name}' must be a date written YYYY-MM-DD")
        start, end = as_date(plan.get("period_start")), as_date(plan.get("period_end"))
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
        if as_decimal(target.get("value")) is None:
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
        if as_decimal(baseline.get("value")) is None:
            self.err(where, "baseline value must be a number")
        if not isinstance(baseline.get("year"), int) or isinstance(baseline.get("year"), bool):
            self.err(where, "baseline year must be a whole number")


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", bool: "true or false", list: "a list", dict: "a mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def as_date(value: Any) -> dt.date | None:
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


def as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
