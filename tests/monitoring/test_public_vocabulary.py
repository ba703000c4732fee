"""One public vocabulary: "what the public may see" and "ever submitted" are said once, in monitoring/querysets.py.

The first tests read the source tree and fail when a filter restates a rule; the others check that the model
properties the templates use agree with the queryset methods, and that the stricter rule won where a restated
one had diverged.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from django.utils import timezone, translation

from monitoring.models import (
    Evidence,
    EvidenceStatus,
    Indicator,
    Institution,
    ReportVersion,
    TransparencyRequest,
    Visibility,
)
from monitoring.services import reports as report_service
from tests.factories import EvidenceFactory

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["monitoring", "portal", "templates"]
# The only module allowed to spell the rules out. Migrations are skipped too: they are history, never edited.
ALLOWED = {Path("monitoring/querysets.py")}

QUERY_CALLS = {"filter", "exclude", "get", "Q", "get_object_or_404", "update_or_create", "get_or_create"}
# field → the values that, in a filter, restate a rule of the vocabulary.
RESTATED = {
    "status": {"approved", "draft"},
    "visibility": {"public"},
    "is_public": {True},
}
ENUM_MEMBERS = {"APPROVED": "approved", "DRAFT": "draft", "PUBLIC": "public"}
TEMPLATE_RULE = re.compile(r"""\bvisibility\s*[!=]=\s*["']public["']|\bstatus\s*[!=]=\s*["']approved["']\s+and\b""")


def _value(node: ast.expr) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute) and node.attr in ENUM_MEMBERS:
        return ENUM_MEMBERS[node.attr]
    return None


def _field(lookup: str) -> str:
    parts = lookup.split("__")
    return parts[-2] if len(parts) > 1 and parts[-1] in {"exact", "iexact"} else parts[-1]


def restated_rules(source: str) -> list[int]:
    """Line numbers of filters (and `.visibility == "public"` tests) that restate a rule of the vocabulary."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in QUERY_CALLS:
                continue
            for keyword in node.keywords:
                if keyword.arg and _value(keyword.value) in RESTATED.get(_field(keyword.arg), set()):
                    lines.append(node.lineno)
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            attrs = {o.attr for o in operands if isinstance(o, ast.Attribute)}
            if "visibility" in attrs and any(_value(o) == "public" for o in operands):
                lines.append(node.lineno)
    return sorted(set(lines))


def _sources(suffix: str) -> list[Path]:
    files = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob(f"*{suffix}")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in ALLOWED:
                continue
            files.append(relative)
    return files


def test_no_python_module_restates_the_public_rule_outside_querysets():
    offences = [
        f"{path}:{line}" for path in _sources(".py") for line in restated_rules((ROOT / path).read_text("utf-8"))
    ]
    assert offences == [], "Use the read vocabulary in monitoring/querysets.py instead: " + ", ".join(offences)


def test_no_template_restates_the_public_rule():
    offences = [
        f"{path}:{number}"
        for path in _sources(".html")
        for number, text in enumerate((ROOT / path).read_text("utf-8").splitlines(), 1)
        if TEMPLATE_RULE.search(text)
    ]
    assert offences == [], "Use evidence.is_public (or the view's context) instead: " + ", ".join(offences)


@pytest.mark.parametrize(
    "source",
    [
        'Evidence.objects.filter(status="approved", visibility="public")',
        "Evidence.objects.filter(status=EvidenceStatus.APPROVED)",
        "Evidence.objects.exclude(status=EvidenceStatus.DRAFT)",
        "Q(evidence__visibility=Visibility.PUBLIC)",
        "TransparencyRequest.objects.filter(is_public=True, institution=i)",
        "get_object_or_404(TransparencyAttachment, request__is_public=True)",
        'flag = e.visibility != "public"',
    ],
)
def test_the_source_check_finds_a_restated_rule(source):
    assert restated_rules(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "Evidence.objects.public().filter(status=EvidenceStatus.SUBMITTED)",
        "Evidence.objects.create(status=EvidenceStatus.DRAFT, visibility=Visibility.PUBLIC)",
        "is_public = models.BooleanField(default=False)",
        "TransparencyRequest.objects.create(is_public=True)",
    ],
)
def test_the_source_check_leaves_writes_and_other_filters_alone(source):
    assert restated_rules(source) == []


# --------------------------------------------------------------------------- the rules agree with themselves


@pytest.mark.django_db
def test_evidence_is_public_and_was_submitted_agree_with_the_querysets(cast, mx_plan):
    for status, visibility in itertools.product(EvidenceStatus.values, Visibility.values):
        EvidenceFactory(
            organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status=status, visibility=visibility
        )
    public = set(Evidence.objects.public().values_list("pk", flat=True))
    submitted = set(Evidence.objects.ever_submitted().values_list("pk", flat=True))
    items = list(Evidence.objects.all())
    assert len(public) == 1 and len(submitted) == len(items) - len(Visibility.values)
    for item in items:
        assert item.is_public == (item.pk in public), (item.status, item.visibility)
        assert item.was_submitted == (item.pk in submitted), item.status


@pytest.mark.django_db
def test_a_report_version_is_public_exactly_when_visible_selects_it(cast, mx_plan):
    with translation.override("en"):
        report = report_service.create_report(
            actor=cast.reviewer,
            organisations=[cast.intersecta],
            fields={
                "title": "Shadow report 2021",
                "slug": "shadow-2021",
                "plan": mx_plan,
                "period_start": dt.date(2021, 1, 1),
                "period_end": dt.date(2021, 12, 31),
            },
        )
    now = timezone.now()
    for number, public_from in enumerate([None, now - dt.timedelta(days=1), now + dt.timedelta(days=1)], 1):
        ReportVersion.objects.create(
            report=report,
            number=number,
            snapshot={},
            content_sha256="0" * 64,
            public_from=public_from,
            requested_by=cast.reviewer,
            approved_by=cast.other_reviewer,
        )
    visible = set(ReportVersion.objects.visible().values_list("number", flat=True))
    assert visible == {1, 2}
    assert {v.number for v in ReportVersion.objects.all() if v.is_public} == visible


@pytest.mark.django_db
def test_transparency_requests_public_selects_only_requests_marked_public(cast, mx_plan):
    institution = Institution.objects.filter(plan_roles__plan=mx_plan).first()
    for n, is_public in enumerate([True, False]):
        TransparencyRequest.objects.create(
            organisation=cast.intersecta,
            created_by=cast.member,
            institution=institution,
            folio=f"33000{n}",
            question="How many?",
            filed_on=dt.date(2025, 3, 3),
            due_on=dt.date(2025, 3, 31),
            is_public=is_public,
        )
    assert list(TransparencyRequest.objects.public().values_list("folio", flat=True)) == ["330000"]


# --------------------------------------------------------------------------- divergences fixed


@pytest.mark.django_db
def test_the_pillar_editor_never_calls_unapproved_evidence_public(client, cast, mx_plan, monkeypatch):
    """report_pillar.html checked visibility only; it now asks `evidence.is_public` (approved *and* public).

    The editor's candidates are approved today, so the old check happened to agree; widen the candidates on
    purpose and the page must still say that a submitted, public-visibility item is not public.
    """
    with translation.override("en"):
        report = report_service.create_report(
            actor=cast.reviewer,
            organisations=[cast.intersecta],
            fields={
                "title": "Shadow report 2021",
                "slug": "shadow-2021",
                "plan": mx_plan,
                "period_start": dt.date(2021, 1, 1),
                "period_end": dt.date(2021, 12, 31),
            },
        )
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    common = {"organisation": cast.intersecta, "submitted_by": cast.member, "plan": mx_plan, "indicators": [i13]}
    EvidenceFactory(status="approved", visibility="public", title="Approved and public", **common)
    EvidenceFactory(status="submitted", visibility="public", title="Waiting for moderation", **common)
    monkeypatch.setattr(report_service, "citable_evidence", lambda **kwargs: Evidence.objects.all())
    client.force_login(cast.reviewer)
    page = client.get(f"/en/workspace/reports/{report.uuid}/pillars/P2/").content.decode()
    note = "Not public: citable for your reference"
    boxes = {
        title: box
        for box in page.split('class="side-box')
        for title in ["Approved and public", "Waiting for"]
        if title in box
    }
    assert note not in boxes["Approved and public"]
    assert note in boxes["Waiting for"]
