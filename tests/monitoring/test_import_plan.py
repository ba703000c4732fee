"""`manage.py import_plan`: validate everything first, write nothing on error, update in place."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from monitoring.models import Indicator, Institution, LineOfAction, Objective, Pillar, Plan
from monitoring.services.catalogue_import import CatalogueError, import_catalogue, parse_catalogue
from portal.models import AuditEvent
from tests.catalogue_factory import dump, make_catalogue
from tests.conftest import MX_FILE

pytestmark = pytest.mark.django_db


def run_import(path: Path | str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_plan", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def catalogue_counts() -> dict[str, int]:
    return {
        "plans": Plan.objects.count(),
        "pillars": Pillar.objects.count(),
        "objectives": Objective.objects.count(),
        "lines": LineOfAction.objects.count(),
        "indicators": Indicator.objects.filter(is_official=True).count(),
        "civil_society": Indicator.objects.filter(is_official=False).count(),
        "institutions": Institution.objects.count(),
    }


def test_the_shipped_mexico_catalogue_creates_the_whole_plan():
    output = run_import(MX_FILE)

    assert catalogue_counts() == {
        "plans": 1,
        "pillars": 4,
        "objectives": 10,
        "lines": 16,
        "indicators": 23,
        "civil_society": 10,
        "institutions": 9,
    }
    assert "Plan mx-pna-1325-2021: 82 created" in output
    plan = Plan.objects.get(slug="mx-pna-1325-2021")
    assert plan.wording_note_es.startswith("Los textos de objetivos")
    i13 = Indicator.objects.get(plan=plan, code="I13")
    assert i13.target_value == 50
    assert i13.baseline_value == 257 and i13.baseline_year == 2020
    assert sorted(i13.responsible.values_list("code", flat=True)) == ["INMUJERES", "SESNSP"]
    assert i13.pillar.code == "P2" and i13.line_of_action.code == "LA6.1"
    assert Institution.objects.get(code="INMUJERES").successor.code == "SECMUJERES"
    assert not Indicator.objects.get(code="CS02").is_official


def test_importing_the_same_file_again_changes_nothing_and_says_so():
    run_import(MX_FILE)
    audit_rows = AuditEvent.objects.count()
    updated_at = dict(Indicator.objects.values_list("code", "updated_at"))

    output = run_import(MX_FILE)

    assert "is up to date; nothing changed" in output
    assert AuditEvent.objects.count() == audit_rows
    assert dict(Indicator.objects.values_list("code", "updated_at")) == updated_at


def test_a_changed_text_updates_the_item_in_place_and_is_audited(tmp_path, mx_catalogue_text):
    run_import(MX_FILE)
    before = Indicator.objects.get(code="I13")
    data = yaml.safe_load(mx_catalogue_text)
    data["indicators"][12]["text_en"] = "Number of MUCPAZ networks formed (official wording)"
    data["indicators"][12]["wording"] = "official"

    output = run_import(write(tmp_path, dump(data)))

    after = Indicator.objects.get(code="I13")
    assert after.pk == before.pk
    assert after.text_en == "Number of MUCPAZ networks formed (official wording)"
    assert after.wording == "official"
    assert "Updated: indicator I13" in output
    event = AuditEvent.objects.filter(action="monitoring.indicator.updated", object_id=str(after.pk)).latest("id")
    assert event.changes["text_en"][1] == "Number of MUCPAZ networks formed (official wording)"
    assert event.changes["wording"] == ["secondary", "official"]


def test_placement_official_is_accepted_for_confirmed_positions(tmp_path):
    data = make_catalogue()
    data["objectives"][0]["placement"] = "official"
    run_import(write(tmp_path, dump(data)))
    assert Objective.objects.get(code="OE1").placement == "official"


def test_items_missing_from_the_file_are_reported_and_kept(tmp_path):
    data = make_catalogue(indicators_per_line=2)
    run_import(write(tmp_path, dump(data)))
    data["indicators"] = data["indicators"][:-1]

    output = run_import(write(tmp_path, dump(data)))

    assert "Missing from the file" in output and "I04" in output
    assert Indicator.objects.filter(code="I04", retired_at__isnull=True).exists()


def test_dry_run_lists_changes_and_writes_nothing(tmp_path):
    output = run_import(write(tmp_path, dump(make_catalogue())), "--dry-run")

    assert "Would create: plan xx-test-plan" in output
    assert "nothing was written" in output
    assert Plan.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_changed_parent_moves_the_item_and_keeps_its_identity(tmp_path):
    data = make_catalogue(pillars=2)
    run_import(write(tmp_path, dump(data)))
    pk = Indicator.objects.get(code="I01").pk
    data["indicators"][0]["line_of_action"] = "LA2.1"

    run_import(write(tmp_path, dump(data)))

    moved = Indicator.objects.get(code="I01")
    assert moved.pk == pk
    assert moved.line_of_action.code == "LA2.1"
    assert moved.pillar.code == "P2"


def test_import_writes_audit_events_for_created_items(tmp_path):
    run_import(write(tmp_path, dump(make_catalogue())))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"monitoring.plan.created", "monitoring.indicator.created", "monitoring.institution.created"} <= actions


def _broken(mutate) -> str:
    data = make_catalogue()
    mutate(data)
    return dump(data)


INVALID_FILES = {
    "bad yaml": ("format: nap-catalogue/1\nplan: [unclosed\n", "Invalid YAML at line"),
    "not a mapping": ("- just\n- a list\n", "top level must be a mapping"),
    "wrong format": (_broken(lambda d: d.update(format="nap-catalogue/9")), "format must be 'nap-catalogue/1'"),
    "unknown top-level key": (_broken(lambda d: d.update(extra=[])), "unknown top-level key 'extra'"),
    "missing field": (_broken(lambda d: d["indicators"][0].pop("unit")), "I01 (line"),
    "missing plan field": (_broken(lambda d: d["plan"].pop("title_es")), "missing field 'title_es'"),
    "unknown reference": (
        _broken(lambda d: d["indicators"][0].update(line_of_action="LA9.9")),
        "unknown line of action 'LA9.9'",
    ),
    "unknown institution": (
        _broken(lambda d: d["lines_of_action"][0].update(responsible=["NOPE"])),
        "unknown institution 'NOPE'",
    ),
    "duplicate code": (
        _broken(lambda d: d["indicators"].append(dict(d["indicators"][0]))),
        "duplicate code 'I01'",
    ),
    "civil-society code clashing with an official one": (
        _broken(lambda d: d["civil_society_indicators"][0].update(code="I01")),
        "duplicate code 'I01' (also an official indicator)",
    ),
    "wrong type": (_broken(lambda d: d["institutions"][0].update(signatory="yes")), "wrong type"),
    "bad enum": (_broken(lambda d: d["indicators"][0].update(unit="kilos")), "field 'unit' is 'kilos'"),
    "bad date": (_broken(lambda d: d["plan"].update(period_start="soon")), "must be a date"),
    "period reversed": (_broken(lambda d: d["plan"].update(period_end="2020-01-01")), "period_end is before"),
    "bad target": (
        _broken(lambda d: d["indicators"][0]["target"].update(value="many")),
        "target value must be a number",
    ),
}


@pytest.mark.parametrize("case", INVALID_FILES.keys())
def test_an_invalid_file_writes_nothing_and_names_the_problem(tmp_path, case):
    text, expected = INVALID_FILES[case]
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_plan", str(write(tmp_path, text)), stdout=io.StringIO(), stderr=err)

    assert expected in err.getvalue()
    assert Plan.objects.count() == 0
    assert Indicator.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_every_error_is_reported_not_only_the_first():
    data = make_catalogue()
    data["indicators"][0]["unit"] = "kilos"
    data["lines_of_action"][0]["objective"] = "OE99"
    with pytest.raises(CatalogueError) as excinfo:
        parse_catalogue(dump(data))
    assert len(excinfo.value.errors) == 2


def test_an_invalid_update_leaves_the_existing_plan_untouched(tmp_path, mx_catalogue_text):
    run_import(MX_FILE)
    data = yaml.safe_load(mx_catalogue_text)
    data["indicators"][0]["text_en"] = "Changed"
    data["indicators"][1]["unit"] = "kilos"

    with pytest.raises(CommandError):
        call_command("import_plan", str(write(tmp_path, dump(data))), stdout=io.StringIO(), stderr=io.StringIO())

    assert Indicator.objects.get(code="I01").text_en != "Changed"


def test_a_missing_file_is_a_clear_error(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_plan", str(tmp_path / "nope.yaml"), stdout=io.StringIO(), stderr=err)
    assert "Cannot read" in err.getvalue()


def test_two_plans_coexist_with_the_same_codes(tmp_path):
    run_import(MX_FILE)
    run_import(write(tmp_path, dump(make_catalogue(slug="gt-pna-2025"))))
    assert Plan.objects.count() == 2
    assert Indicator.objects.filter(code="I01").count() == 2


def test_import_catalogue_service_reports_created_and_unchanged():
    data = parse_catalogue(dump(make_catalogue()))
    first = import_catalogue(data=data)
    second = import_catalogue(data=data)
    assert first.changed and not second.changed
    assert second.unchanged == len(first.created)
