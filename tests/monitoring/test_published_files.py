"""Generated public files: PDFs at publication, bulk CSVs rebuilt after changes (coalesced), a sweep as safety net."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from monitoring import published_files, tasks
from monitoring.exports import copy
from monitoring.exports.bulk import EVIDENCE_COLUMNS, evidence_csv
from monitoring.models import Evidence, Indicator, PublishedFile, Region, ReportVersion
from monitoring.services import moderation
from portal.celery import app as celery_app
from tests.factories import EvidenceFactory
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db


def stored_rows(key: str) -> list[list[str]]:
    record = PublishedFile.objects.get(key=key)
    with default_storage.open(record.name, "rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


def titles(key: str) -> set[str]:
    rows = stored_rows(key)
    return {r[EVIDENCE_COLUMNS.index("title")] for r in rows[1:]}


@pytest.fixture
def queued():
    """A broker that takes tasks and runs none: what a web process sees before the worker gets to them."""
    calls = []
    with mock.patch("portal.background.enqueue", side_effect=lambda task, *a, **kw: calls.append((task.name, a, kw))):
        yield calls


def test_a_burst_of_approvals_enqueues_one_rebuild(cast, mx_plan, queued, django_capture_on_commit_callbacks, settings):
    settings.BULK_REBUILD_DELAY = 30
    items = [
        EvidenceFactory(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="submitted")
        for _ in range(5)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for item in items:
            moderation.approve_evidence(evidence=item, actor=cast.moderator)
    rebuilds = [c for c in queued if c[0] == "monitoring.tasks.rebuild_bulk_files"]
    assert rebuilds == [("monitoring.tasks.rebuild_bulk_files", (), {"countdown": 30})]


def test_files_are_rebuilt_only_when_out_of_date_and_a_withdrawal_takes_the_row_out(
    cast, mx_plan, django_capture_on_commit_callbacks
):
    item = EvidenceFactory(
        organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved", title="Visible"
    )
    assert set(published_files.rebuild_bulk_files()) == {
        "evidence-csv:es",
        "evidence-csv:en",
        "assessments-csv:es",
        "assessments-csv:en",
    }
    assert titles("evidence-csv:es") == {"Visible"}
    first = PublishedFile.objects.get(key="evidence-csv:es")
    assert published_files.rebuild_bulk_files() == []  # nothing changed, nothing rebuilt

    with django_capture_on_commit_callbacks(execute=True):
        moderation.withdraw_evidence(evidence=item, actor=cast.moderator, reason="Wrong source")
    assert titles("evidence-csv:es") == set()
    again = PublishedFile.objects.get(key="evidence-csv:es")
    assert again.generated_at > first.generated_at and again.sha256 != first.sha256


def test_the_sweep_makes_lost_pdfs_and_picks_up_an_embargo_that_lapsed(world, cast):
    assess(world, cast.reviewer, [world["public"]])
    from monitoring.services import reports as svc

    svc.request_publication(
        report=world["report"], actor=cast.reviewer, public_from=timezone.now() + dt.timedelta(days=2)
    )
    version = svc.approve_publication(report=world["report"], actor=cast.other_reviewer)
    # The test's transaction never commits, so nothing was enqueued: as if the broker had lost the tasks.
    assert not PublishedFile.objects.exists()
    result = published_files.sweep()
    assert result["pdfs"] == []  # an embargoed version is not readable yet
    assert [r[0] for r in stored_rows("assessments-csv:en")[1:]] == []

    ReportVersion.objects.filter(pk=version.pk).update(public_from=timezone.now() - dt.timedelta(minutes=1))
    result = tasks.sweep_published_files.apply().get()
    assert sorted(result["pdfs"]) == [f"{version.pk}:en", f"{version.pk}:es"]
    assert "assessments-csv:en" in result["csvs"]
    assert {r[0] for r in stored_rows("assessments-csv:en")[1:]} == {SLUG}
    pdf = PublishedFile.objects.get(key=f"report-pdf:{version.pk}:en")
    with default_storage.open(pdf.name, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert published_files.sweep() == {"pdfs": [], "csvs": []}


@pytest.mark.parametrize(
    ("lang", "text"), [("es", "El archivo se está preparando"), ("en", "The file is being prepared")]
)
def test_a_reader_who_comes_before_the_worker_gets_a_being_prepared_page(world, cast, client, queued, lang, text):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    conf = celery_app.conf
    conf.task_always_eager = False
    try:
        response = client.get(f"/{lang}/reports/{SLUG}/v1/download.pdf")
        csv_response = client.get(f"/{lang}/data/assessments.csv")
    finally:
        conf.task_always_eager = True
    assert response.status_code == 503 and csv_response.status_code == 503
    assert response["Retry-After"] == "10" and "no-store" in response["Cache-Control"]
    assert text in response.content.decode()
    assert ("monitoring.tasks.generate_report_pdfs", (world["report"].versions.get().pk,)) in [c[:2] for c in queued]


@pytest.mark.postgres
def test_copy_writes_the_same_csv_as_the_python_writer(cast, mx_plan):
    i01, i07 = Indicator.objects.filter(plan=mx_plan, code__in=["I01", "I07"]).order_by("code")
    jal, cdmx = Region.objects.filter(code__in=["JAL", "CMX"]).order_by("code")[:2] or (None, None)
    awkward = [
        {"title": '=HYPERLINK("http://evil.example")', "summary": 'line one\nline two, with "quotes"'},
        {"title": "+1 so it looks like a number", "summary": "\ttab first", "reported_value": Decimal("-12.50")},
        {"title": "@SUM(A1)", "summary": "", "reported_value": Decimal("100.000"), "value_unit": "percent"},
        {
            "title": "Día de la niña — acentos y ñ",
            "summary": "-starts with a minus",
            "source_date": dt.date(2021, 4, 1),
            "source_date_precision": "month",
            "period_start": dt.date(2021, 4, 16),
            "period_start_precision": "day",
            "period_end": dt.date(2021, 4, 30),
            "period_end_precision": "day",
        },
    ]
    for n, fields in enumerate(awkward):
        item = EvidenceFactory(
            organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved", **fields
        )
        item.indicators.set([i07, i01] if n % 2 else [i01])
        if jal is not None and n == 0:
            item.regions.set([cdmx, jal])
    EvidenceFactory(organisation=cast.intersecta, plan=mx_plan, status="approved", visibility="confidential")
    base = "https://observatorio.example/es"

    python = b"".join(evidence_csv(Evidence.objects.public(), base)).decode("utf-8-sig")
    postgres = b"".join(copy.evidence_csv(base)).decode("utf-8-sig")

    parsed = list(csv.reader(io.StringIO(postgres)))
    assert parsed == list(csv.reader(io.StringIO(python)))
    assert len(parsed) == 1 + len(awkward)  # the confidential item is in neither


def test_the_operators_command_rebuilds_what_is_missing_and_forces_on_request(cast, mx_plan):
    from django.core.management import call_command

    EvidenceFactory(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved")
    out = io.StringIO()
    call_command("rebuild_published_files", stdout=out)
    assert "Rebuilt 4 CSV file(s) and 0 PDF(s)" in out.getvalue()
    out = io.StringIO()
    call_command("rebuild_published_files", stdout=out)
    assert "Rebuilt 0 CSV file(s)" in out.getvalue()
    out = io.StringIO()
    call_command("rebuild_published_files", "--force", stdout=out)
    assert "Rebuilt 4 CSV file(s)" in out.getvalue()
