"""Dates as precise as their sources, through the form, the database, the pages, the API, the CSV and the report JSON."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone, translation

from monitoring.models import Assessment, Evidence, Indicator
from monitoring.partial_dates import ImpossibleDate, PartialDate, display_period_iso, parse, period_label
from monitoring.services import reports as svc
from tests.factories import EvidenceFactory
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db

NEW = "/es/workspace/evidence/new/"


@pytest.mark.parametrize(
    ("typed", "iso", "es", "en"),
    [
        ("2023", "2023", "2023", "2023"),
        ("2021-04", "2021-04", "abril de 2021", "April 2021"),
        ("abril de 2021", "2021-04", "abril de 2021", "April 2021"),
        ("04/2021", "2021-04", "abril de 2021", "April 2021"),
        ("April 2021", "2021-04", "abril de 2021", "April 2021"),
        ("2021-04-15", "2021-04-15", "15 de abril de 2021", "April 15, 2021"),
        ("15/04/2021", "2021-04-15", "15 de abril de 2021", "April 15, 2021"),
        ("15 de abril de 2021", "2021-04-15", "15 de abril de 2021", "April 15, 2021"),
        ("April 15, 2021", "2021-04-15", "15 de abril de 2021", "April 15, 2021"),
        ("  Septiembre 2022 ", "2022-09", "septiembre de 2022", "September 2022"),
    ],
)
def test_what_people_type_is_read_at_its_own_precision_and_shown_as_given(typed, iso, es, en):
    value = parse(typed)
    assert value.iso() == iso
    with translation.override("es"):
        assert value.display() == es
    with translation.override("en"):
        assert value.display() == en


@pytest.mark.parametrize("typed", ["2021-02-29", "31 de febrero de 2021", "2021-13", "31/04/2021"])
def test_impossible_dates_are_refused_as_impossible(typed):
    with pytest.raises(ImpossibleDate):
        parse(typed)


@pytest.mark.parametrize("typed", ["Q1 2022", "hola", "2021 2022", "abril mayo 2021", "15 2021", "", "20211"])
def test_shapes_that_are_not_dates_are_refused(typed):
    with pytest.raises(ValueError):
        parse(typed)


def test_a_period_reads_as_a_person_says_it():
    with translation.override("es"):
        assert period_label(PartialDate(2021), PartialDate(2021)) == "2021"
        assert period_label(PartialDate(2021), PartialDate(2022)) == "2021–2022"
        assert period_label(PartialDate(2021, 4), PartialDate(2021, 6)) == "abril de 2021 – junio de 2021"
        assert display_period_iso("2021-04/2021-06") == "abril de 2021 – junio de 2021"
        # Versions published before partial dates stored the period already worded: shown as stored.
        assert display_period_iso("2021-01-01 – 2022-12-31") == "2021-01-01 – 2022-12-31"


@pytest.fixture
def member_client(client, cast, mx_plan):
    client.force_login(cast.member)
    return client


def evidence_form(mx_plan, **overrides):
    data = {
        "indicators": [str(Indicator.objects.get(plan=mx_plan, code="I07").pk)],
        "period_start": "2021",
        "kind": "news_report",
        "title": "Unas 22 mujeres entre 117 despliegues",
        "summary": "Cifra acumulada.",
        "source_url": "https://example.org/nota",
        "source_date": "2023",
        "language": "es",
        "visibility": "public",
        "action": "draft",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("source", "start", "end", "stored"),
    [
        ("2023", "2021", "", (dt.date(2023, 1, 1), "year", dt.date(2021, 1, 1), "year", dt.date(2021, 12, 31), "year")),
        (
            "abril de 2021",
            "2021-02",
            "2021-04",
            (dt.date(2021, 4, 1), "month", dt.date(2021, 2, 1), "month", dt.date(2021, 4, 30), "month"),
        ),
        (
            "15/04/2021",
            "2020",
            "2021-03-31",
            (dt.date(2021, 4, 15), "day", dt.date(2020, 1, 1), "year", dt.date(2021, 3, 31), "day"),
        ),
    ],
)
def test_the_form_stores_each_precision_and_the_edit_form_shows_it_back_as_machine_text(
    member_client, mx_plan, source, start, end, stored
):
    response = member_client.post(NEW, evidence_form(mx_plan, source_date=source, period_start=start, period_end=end))
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert (
        item.source_date,
        item.source_date_precision,
        item.period_start,
        item.period_start_precision,
        item.period_end,
        item.period_end_precision,
    ) == stored
    edit = member_client.get(f"/es/workspace/evidence/{item.uuid}/edit/").content.decode()
    assert f'value="{item.source_date_iso}"' in edit
    assert f'value="{item.period_start_iso}"' in edit


def test_a_year_is_never_shown_or_exported_as_an_invented_first_of_january(client, cast, mx_plan):
    item = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[Indicator.objects.get(plan=mx_plan, code="I07")],
        title="MOWIP SEDENA 2023",
        source_date=dt.date(2023, 1, 1),
        source_date_precision="year",
        period_start=dt.date(2022, 4, 1),
        period_start_precision="month",
        period_end=dt.date(2022, 4, 30),
        period_end_precision="month",
    )
    es = client.get(f"/es/evidence/{item.uuid}/").content.decode()
    en = client.get(f"/en/evidence/{item.uuid}/").content.decode()
    assert "(2023)" in es and "abril de 2022" in es
    assert "(2023)" in en and "April 2022" in en
    for html in (es, en):
        assert "1 de enero de 2023" not in html and "January 1, 2023" not in html and "30 de abril" not in html

    api = client.get(f"/api/v1/evidence/{item.uuid}/").json()
    assert (api["source_date"], api["period_start"], api["period_end"]) == ("2023", "2022-04", "2022-04")

    body = b"".join(client.get("/en/data/evidence.csv").streaming_content).decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(body)) if r["uuid"] == str(item.uuid))
    assert (row["source_date"], row["period_start"], row["period_end"]) == ("2023", "2022-04", "2022-04")


def test_the_report_json_exports_cited_evidence_in_reduced_precision_iso_and_pages_word_it(client, cast, mx_plan):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    cited = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        indicators=[i13],
        title="MUCPAZ networks",
        source_date=dt.date(2021, 4, 1),
        source_date_precision="month",
        period_start=dt.date(2021, 4, 1),
        period_start_precision="month",
        period_end=dt.date(2021, 6, 30),
        period_end_precision="month",
    )
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe sombra 2021",
            "slug": "informe-2021",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    a = Assessment.objects.get(report=report, indicator=i13)
    svc.save_assessment(
        assessment=a,
        actor=cast.reviewer,
        fields={"rating": "in_progress", "narrative": "Avance."},
        cited=[cited],
        expected_version=a.version,
    )
    svc.request_publication(report=report, actor=cast.reviewer, change_note="")
    version = svc.approve_publication(report=report, actor=cast.other_reviewer)

    assessments = [a for pillar in version.snapshot["pillars"] for a in pillar["assessments"]]
    exported = next(x for x in assessments if x["indicator"]["code"] == "I13")["evidence"][0]
    assert exported["source_date"] == "2021-04" and exported["period"] == "2021-04/2021-06"
    es = client.get("/es/reports/informe-2021/v1/").content.decode()
    en = client.get("/en/reports/informe-2021/v1/").content.decode()
    assert "abril de 2021 – junio de 2021" in es and "April 2021 – June 2021" in en
    assert "2021-04/2021-06" not in es


def test_year_filters_and_sorting_use_the_start_of_the_period(client, cast, mx_plan):
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")

    def make(title, source, start, end, precision):
        return EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            status="approved",
            indicators=[i07],
            title=title,
            source_date=source,
            source_date_precision=precision,
            period_start=start,
            period_start_precision=precision,
            period_end=end,
            period_end_precision=precision,
        )

    make("Month item", dt.date(2022, 5, 1), dt.date(2022, 5, 1), dt.date(2022, 5, 31), "month")
    make("Year item", dt.date(2022, 1, 1), dt.date(2022, 1, 1), dt.date(2022, 12, 31), "year")
    make("Old item", dt.date(2019, 1, 1), dt.date(2019, 1, 1), dt.date(2019, 12, 31), "year")
    page = client.get("/en/evidence/?year=2022").content.decode()
    assert "Month item" in page and "Year item" in page and "Old item" not in page
    listing = client.get("/en/evidence/").content.decode()
    # Newest source first, a year sorting by its first day: May 2022, then 2022, then 2019.
    assert listing.index("Month item") < listing.index("Year item") < listing.index("Old item")


def test_the_data_migration_keeps_every_value_and_marks_whole_year_periods_as_years(cast, mx_plan):
    make = lambda **kw: EvidenceFactory(  # noqa: E731
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        period_start_precision="day",
        period_end_precision="day",
        **kw,
    )
    whole_year = make(period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 12, 31))
    two_years = make(period_start=dt.date(2021, 1, 1), period_end=dt.date(2022, 12, 31))
    a_range = make(period_start=dt.date(2021, 3, 15), period_end=dt.date(2021, 6, 30))
    no_period = make(period_start=None, period_end=None, source_date=None)

    migration = importlib.import_module("monitoring.migrations.0014_partial_dates")
    state = MigrationLoader(connection).project_state(("monitoring", "0014_partial_dates"))
    migration.periods_given_as_a_year(state.apps, None)

    for item in (whole_year, two_years, a_range, no_period):
        before = (item.source_date, item.period_start, item.period_end)
        item.refresh_from_db()
        assert (item.source_date, item.period_start, item.period_end) == before
        assert item.source_date_precision == "day"  # full dates stay full
    assert (whole_year.period_start_precision, whole_year.period_end_precision) == ("year", "year")
    assert whole_year.period_label == "2021"
    assert two_years.period_start_precision == "day" and a_range.period_start_precision == "day"


def test_seed_demo_keeps_the_precision_of_reported_values(db, mx_plan, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    mowip = Evidence.objects.filter(source_url__contains="mowip").get()
    assert (mowip.source_date_iso, mowip.source_date_precision) == ("2023", "year")
    quadratin = Evidence.objects.filter(source_url__contains="quadratin").get()
    assert quadratin.source_date_iso == "2021-04"
    jornada = Evidence.objects.filter(source_url__contains="2021/12/24").get()
    assert jornada.source_date_iso == "2021-12-24"


def test_a_source_dated_tomorrow_or_next_year_is_refused_and_nothing_typed_is_lost(member_client, mx_plan):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = member_client.post(NEW, evidence_form(mx_plan, source_date=tomorrow.isoformat()))
    assert "La fecha de la fuente no puede estar en el futuro." in response.content.decode()
    next_year = str(timezone.localdate().year + 1)
    response = member_client.post(NEW, evidence_form(mx_plan, source_date="1899", period_start=next_year))
    html = response.content.decode()
    assert "Indica un año a partir de 1900." in html
    assert "El periodo no puede empezar en el futuro." in html
    assert 'value="Unas 22 mujeres entre 117 despliegues"' in html  # nothing typed is lost
    assert f'value="{next_year}"' in html and 'value="1899"' in html
    assert not Evidence.objects.exists()
