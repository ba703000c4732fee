"""Spreadsheet import of evidence: templates, the dry run, the error report by row and column, the import, and
hostile or awkward files (formulas, macros, encodings, merged cells, zip bombs, too many rows, every date format)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from monitoring.forms.evidence import EvidenceForm
from monitoring.imports.columns import column_names, header
from monitoring.imports.validation import check_file
from monitoring.models import Evidence, EvidenceStatus, ImportedRow, ImportJob, ImportStatus, Indicator
from portal.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db

UPLOAD = "/en/workspace/evidence/import/"
SMALL = [["Title", "Kind of evidence", "Indicators (codes)", "Period from", "Source date"]]


@pytest.fixture
def member_client(client, cast, mx_plan):
    client.force_login(cast.member)
    return client


def xlsx(rows, *, hook=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if hook:
        hook(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, *, encoding="utf-8", delimiter=",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, content: bytes, name="evidence.xlsx", url=UPLOAD, submit="draft"):
    return client.post(url, {"file": SimpleUploadedFile(name, content), "submit": submit})


def run_upload(client, callbacks, content, name="evidence.xlsx", url=UPLOAD, submit="draft") -> ImportJob:
    with callbacks(execute=True):
        response = upload(client, content, name, url, submit)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.get(uuid=response["Location"].rstrip("/").split("/")[-1])


def confirm(client, callbacks, job, language="en") -> ImportJob:
    with callbacks(execute=True):
        response = client.post(f"/{language}/workspace/evidence/import/{job.uuid}/confirm/")
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def check(content: bytes, name: str, cast, plan, submit=False):
    return check_file(io.BytesIO(content), name, plan=plan, organisation=cast.intersecta, submit=submit)


def full_header(plan, language="en") -> list[str]:
    form = EvidenceForm(plan=plan, organisations=Organisation.objects.none())
    with translation.override(language):
        return [header(form, name) for name in column_names(form)]


def kind_row(i: int) -> dict[str, object]:
    """One complete row of each kind in turn, written as people type them (labels, names, local dates)."""
    common: dict[str, object] = {
        "key": "",
        "title": f"Item {i:03d}",
        "summary": f"Summary of item {i}",
        "indicators": "I13; I07",
        "period_start": "2021",
        "period_end": "2022",
        "source_url": f"https://example.org/{i}",
        "source_date": "15/04/2021",
        "language": "Español",
        "regions": "Jalisco; MX-CMX",
        "institutions": "SEMAR; sedena",
        "visibility": "Public",
        "source_reliability": "Usually reliable",
        "information_credibility": "Probably true",
    }
    kinds: list[dict[str, object]] = [
        {
            "kind": "Official statistic",
            "series_name": "ENDIREH",
            "disaggregation": "Sex; Age",
            "producing_body": "INEGI",
        },
        {
            "kind": "Answer to a transparency request",
            "folio": "330026521000123",
            "answering_institution": "SEMAR",
            "answer_type": "Declared non-existent",
        },
        {"kind": "Official document or statement", "issuing_body": "SRE", "document_reference": "DOF 12/05/2021"},
        {
            "kind": "Budget document",
            "issuing_body": "SHCP",
            "document_reference": "PEF 2023",
            "amount": "1.234.567,89",
            "currency": "MXN",
            "fiscal_year": 2023,
            "budget_programme": "E015",
            "budget_stage": "approved",
        },
        {
            "kind": "News report",
            "outlet": "La Jornada",
            "author": "A. Reportera",
            "relays_source": "sí",
            "relayed_source": "SEMAR press release",
        },
        {
            "kind": "Testimony",
            "consent_recorded": "yes",
            "consent_date": "2021-04-15",
            "consent_recorded_by": "M. R.",
            "pseudonym": "Rosa",
            "risk_level": "High",
            "visibility": "Confidential",
        },
        {
            "kind": "Own research",
            "method": "Survey",
            "sample": "120 women",
            "fieldwork_start": "01/03/2021",
            "fieldwork_end": dt.datetime(2021, 6, 30),
        },
    ]
    return {**common, **kinds[i % len(kinds)]}


def sheet_of(plan, rows: list[dict[str, object]], language="en") -> list[list[object]]:
    form = EvidenceForm(plan=plan, organisations=Organisation.objects.none())
    names = column_names(form)
    return [full_header(plan, language), *[[row.get(n, "") for n in names] for row in rows]]


# -- the happy path -------------------------------------------------------------------------------------------


def test_a_200_row_spreadsheet_becomes_200_drafts_with_every_field_in_place(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    content = xlsx(sheet_of(mx_plan, [kind_row(i) for i in range(200)]))
    job = run_upload(member_client, django_capture_on_commit_callbacks, content)
    assert job.status == ImportStatus.READY, job.errors[:5]
    assert job.preview["count"] == 200 and Evidence.objects.count() == 0

    page = member_client.get(job.get_absolute_url()).content.decode()
    assert "200 items would be created." in page and "Item 000" in page

    job = confirm(member_client, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.DONE and job.created_count == 200
    items = {e.title: e for e in Evidence.objects.filter(organisation=cast.intersecta)}
    assert len(items) == 200
    assert {e.status for e in items.values()} == {EvidenceStatus.DRAFT}
    assert {e.submitted_by for e in items.values()} == {cast.member}

    stat = items["Item 000"]
    assert stat.kind == "official_statistic" and stat.series_name == "ENDIREH" and stat.producing_body == "INEGI"
    assert stat.disaggregation == ["sex", "age"]
    assert sorted(i.code for i in stat.indicators.all()) == ["I07", "I13"]
    assert sorted(r.code for r in stat.regions.all()) == ["MX-CMX", "MX-JAL"]
    assert sorted(i.code for i in stat.institutions.all()) == ["SEDENA", "SEMAR"]
    assert stat.source_date == dt.date(2021, 4, 15) and stat.source_date_precision == "day"
    assert stat.period_label == "2021–2022" and stat.language == "es" and stat.visibility == "public"
    assert stat.source_reliability == "usually_reliable" and stat.information_credibility == "probably_true"
    answer = items["Item 001"]
    assert answer.folio == "330026521000123" and answer.answering_institution.code == "SEMAR"
    assert answer.answer_type == "nonexistent"
    document = items["Item 002"]
    assert document.issuing_body == "SRE" and document.document_reference == "DOF 12/05/2021"
    budget = items["Item 003"]
    assert budget.amount == Decimal("1234567.89") and budget.currency == "MXN" and budget.fiscal_year == 2023
    assert budget.budget_programme == "E015" and budget.budget_stage == "approved"
    news = items["Item 004"]
    assert news.outlet == "La Jornada" and news.author == "A. Reportera" and news.relays_source is True
    assert news.relayed_source == "SEMAR press release"
    testimony = items["Item 005"]
    assert testimony.consent_recorded is True and testimony.consent_date == dt.date(2021, 4, 15)
    assert testimony.pseudonym == "Rosa" and testimony.risk_level == "high" and testimony.visibility == "confidential"
    research = items["Item 006"]
    assert research.method == "Survey" and research.sample == "120 women"
    assert research.fieldwork_start == dt.date(2021, 3, 1) and research.fieldwork_end == dt.date(2021, 6, 30)

    created = AuditEvent.objects.filter(action="monitoring.evidence.created", reason=f"import {job.uuid}")
    assert created.count() == 200
    page = member_client.get(job.get_absolute_url()).content.decode()
    assert "200 items were created." in page and stat.get_absolute_url() in page


def test_importing_the_same_file_twice_creates_nothing_new(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    content = xlsx(sheet_of(mx_plan, [kind_row(i) for i in range(5)]))
    first = confirm(
        member_client,
        django_capture_on_commit_callbacks,
        run_upload(member_client, django_capture_on_commit_callbacks, content),
    )
    assert first.created_count == 5

    again = run_upload(member_client, django_capture_on_commit_callbacks, content)
    assert again.status == ImportStatus.READY and again.preview["count"] == 0 and again.duplicate_count == 5
    page = member_client.get(again.get_absolute_url()).content.decode()
    assert "5 rows would be skipped as already imported." in page and "Import as drafts" not in page
    # Even forced, the import recognises every row by its key.
    again.status = ImportStatus.READY
    again.save()
    assert confirm(member_client, django_capture_on_commit_callbacks, again).created_count == 0
    assert Evidence.objects.count() == 5 and ImportedRow.objects.count() == 5


def test_the_same_content_typed_differently_is_the_same_row_and_a_key_column_wins(cast, mx_plan):
    rows = [
        SMALL[0] + ["Row key (optional)"],
        ["A", "Official statistic", "I13", "2021-04-15", "2021", ""],
        ["A", "official_statistic", "i13", "15/04/2021", "2021", ""],
        ["B", "News report", "I13", "2021", "2021", "row-1"],
        ["B changed", "News report", "I13", "2021", "2021", "ROW-1"],
    ]
    result = check(csv_bytes(rows), "e.csv", cast, mx_plan)
    assert [r.number for r in result.rows] == [2, 4]
    assert [d["row"] for d in result.duplicates] == [3, 5]


def test_submitted_items_can_be_chosen_instead_of_drafts(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    content = xlsx(sheet_of(mx_plan, [kind_row(0), kind_row(2)]))
    job = run_upload(member_client, django_capture_on_commit_callbacks, content, submit="submit")
    assert job.status == ImportStatus.READY, job.errors
    confirm(member_client, django_capture_on_commit_callbacks, job)
    assert set(Evidence.objects.values_list("status", flat=True)) == {EvidenceStatus.SUBMITTED}


def test_the_dry_run_writes_nothing(member_client, cast, mx_plan, django_capture_on_commit_callbacks):
    job = run_upload(member_client, django_capture_on_commit_callbacks, xlsx(sheet_of(mx_plan, [kind_row(1)])))
    assert job.status == ImportStatus.READY
    assert Evidence.objects.count() == 0 and ImportedRow.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="monitoring.evidence").exists()


# -- the error report -----------------------------------------------------------------------------------------


def test_errors_are_reported_by_row_and_column_and_nothing_is_written(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    rows = [kind_row(i) for i in range(10)]
    rows[3] = {**rows[3], "source_date": "31/02/2021"}
    rows[6] = {**rows[6], "indicators": "I99"}
    sheet = sheet_of(mx_plan, rows)
    sheet.insert(3, [""] * len(sheet[0]))  # an empty row: skipped, and the numbers stay the spreadsheet's
    job = run_upload(member_client, django_capture_on_commit_callbacks, xlsx(sheet))
    assert job.status == ImportStatus.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [(6, "Source date"), (9, "Indicators (codes)")]
    assert job.errors[0]["message"] == "That day does not exist. Check the day and the month."
    assert "not one of the available choices" in job.errors[1]["message"]
    page = member_client.get(job.get_absolute_url()).content.decode()
    assert "The file has 2 errors. Nothing was saved." in page and "That day does not exist" in page
    assert "Import as drafts" not in page
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(f"/en/workspace/evidence/import/{job.uuid}/confirm/")
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID and Evidence.objects.count() == 0


def test_the_error_report_is_in_the_language_of_the_upload(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    rows = [kind_row(0), {**kind_row(1), "source_date": "31/02/2021"}]
    job = run_upload(
        member_client,
        django_capture_on_commit_callbacks,
        xlsx(sheet_of(mx_plan, rows, "es")),
        url="/es/workspace/evidence/import/",
    )
    assert job.language == "es" and job.status == ImportStatus.INVALID
    form = EvidenceForm(plan=mx_plan, organisations=Organisation.objects.none())
    with translation.override("es"):
        expected_column = header(form, "source_date")
        expected = str(form.fields["source_date"].error_messages["impossible"])
    assert job.errors == [{"row": 3, "column": expected_column, "message": expected}]
    assert expected != "That day does not exist. Check the day and the month."  # really Spanish


def test_a_submission_import_reports_what_a_submission_needs(cast, mx_plan):
    rows = [SMALL[0], ["Only a title", "", "", "", ""]]
    result = check(csv_bytes(rows), "e.csv", cast, mx_plan, submit=True)
    columns = {e["column"] for e in result.errors}
    assert {"Kind of evidence", "Indicators (codes)", "Period from"} <= columns
    assert all(e["row"] == 2 for e in result.errors)


def test_unknown_columns_and_a_missing_title_are_refused_at_the_header(cast, mx_plan):
    result = check(csv_bytes([["Titel", "Notas"], ["x", "y"]]), "e.csv", cast, mx_plan)
    assert [(e["row"], e["column"]) for e in result.errors] == [(1, "Titel"), (1, "Notas")]
    result = check(csv_bytes([["Summary"], ["x"]]), "e.csv", cast, mx_plan)
    assert "title column is missing" in result.errors[0]["message"]


def test_headers_in_spanish_english_or_field_names_are_all_read(cast, mx_plan):
    rows = [["Título", "kind", "INDICADORES", "PERIOD FROM"], ["Uno", "official statistic", "I13", "2021"]]
    result = check(csv_bytes(rows), "e.csv", cast, mx_plan)
    assert not result.errors, result.errors
    assert result.rows[0].fields["kind"] == "official_statistic"


# -- limits ---------------------------------------------------------------------------------------------------


def test_5001_rows_are_refused_with_the_limit(cast, mx_plan, settings):
    rows = [["Title"], *[[f"Item {i}"] for i in range(5001)]]
    result = check(xlsx(rows), "e.xlsx", cast, mx_plan)
    assert result.errors[0]["message"].startswith("The file has more than 5,000 rows.") and not result.rows
    settings.IMPORT_MAX_ROWS = 3  # the limit itself is accepted (checking 5,000 rows through the form is slow)
    assert len(check(csv_bytes(rows[:4]), "e.csv", cast, mx_plan).rows) == 3


class CountingFile(io.BytesIO):
    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.bytes_read += n
        return n

    def read1(self, size=-1):
        data = super().read1(size)
        self.bytes_read += len(data)
        return data


def test_a_100000_row_csv_is_refused_without_reading_it_whole(cast, mx_plan):
    content = csv_bytes([["Title"], *[[f"Item {i}"] for i in range(100_000)]])
    handle = CountingFile(content)
    result = check_file(handle, "e.csv", plan=mx_plan, organisation=cast.intersecta, submit=False)
    assert result.errors[0]["message"].startswith("The file has more than 5,000 rows.")
    assert handle.bytes_read < len(content) / 2


def test_a_file_over_the_size_limit_is_refused_at_upload_keeping_the_options(member_client, settings):
    settings.IMPORT_MAX_FILE_SIZE = 1000
    response = upload(
        member_client, csv_bytes([["Title"], *[[f"Item {i}"] for i in range(500)]]), "e.csv", submit="submit"
    )
    assert response.status_code == 400 and ImportJob.objects.count() == 0
    page = response.content.decode()
    assert "The file is larger than" in page
    assert re.search(r'value="submit"[^>]*checked', page) and not re.search(r'value="draft"[^>]*checked', page)


def test_a_file_of_another_format_is_refused_at_upload(member_client):
    response = upload(member_client, b"%PDF-1.7 ...", "evidence.pdf")
    assert response.status_code == 400 and "Upload a .xlsx or .csv file" in response.content.decode()
    response = upload(member_client, b"not a zip", "evidence.xlsx")
    assert response.status_code == 400 and "This is not a valid .xlsx file" in response.content.decode()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_before_it_is_opened(cast, mx_plan, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_SIZE = 10 * 1024 * 1024
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (11 * 1024 * 1024)})
    assert len(bomb) < 100_000
    result = check(bomb, "bomb.xlsx", cast, mx_plan)
    assert "unpacks to far more data" in result.errors[0]["message"]
    many = _zip({f"xl/m{i}.xml": b"x" for i in range(300)})
    assert "unpacks to far more data" in check(many, "many.xlsx", cast, mx_plan).errors[0]["message"]
    # Under the total limit, but one member of repeated text packed a hundredfold and more (a small upload that
    # would take hundreds of MB and minutes to parse, twice): refused too.
    strings = b"<sst>" + b"<si><t>a</t></si>" * 300_000 + b"</sst>"
    dense = _zip({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": strings})
    assert len(strings) < settings.IMPORT_MAX_UNCOMPRESSED_SIZE and len(dense) * 100 < len(strings)
    assert "unpacks to far more data" in check(dense, "dense.xlsx", cast, mx_plan).errors[0]["message"]


def test_macros_are_refused(member_client, cast, mx_plan):
    response = upload(member_client, xlsx(SMALL), "evidence.xlsm")
    assert response.status_code == 400 and "Files with macros" in response.content.decode()
    book = io.BytesIO(xlsx(SMALL))
    with zipfile.ZipFile(book, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    assert "Files with macros" in check(book.getvalue(), "evidence.xlsx", cast, mx_plan).errors[0]["message"]


# -- formulas, merged cells, encodings --------------------------------------------------------------------------


def test_a_formula_without_a_computed_value_is_refused_with_its_cell(cast, mx_plan):
    content = xlsx([["Title", "Summary"], ["A", '=CONCAT("a","b")']])
    result = check(content, "e.xlsx", cast, mx_plan)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "Summary")]
    assert "formula whose result was never calculated" in result.errors[0]["message"]


def test_a_formula_saved_with_its_value_is_read_as_the_value(cast, mx_plan):
    content = xlsx([["Title", "Summary"], ["A", '=CONCAT("a","b")']])
    book = io.BytesIO(content)
    with zipfile.ZipFile(book) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="B2"')
    end = sheet.index("</c>", start) + 4
    members["xl/worksheets/sheet1.xml"] = (
        sheet[:start] + '<c r="B2" t="str"><f>CONCAT("a","b")</f><v>ab</v></c>' + sheet[end:]
    ).encode()
    result = check(_zip(members), "e.xlsx", cast, mx_plan)
    assert not result.errors and result.rows[0].fields["summary"] == "ab"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "@SUM(A1)", "+cmd|'/c calc'!A0", "-IMPORTXML(1)"])
def test_text_that_starts_like_a_formula_is_refused(cast, mx_plan, text):
    result = check(csv_bytes([["Title", "Summary"], ["A", text]]), "e.csv", cast, mx_plan)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "Summary")]
    assert "starts like a formula" in result.errors[0]["message"]


def test_numbers_and_phone_numbers_with_a_sign_are_not_formulas(cast, mx_plan):
    rows = [["Title", "Summary", "Indicators (codes)", "Reported value"], ["A", "+52 55 1234 5678", "I13", "12,0"]]
    result = check(csv_bytes(rows), "e.csv", cast, mx_plan)
    assert not result.errors, result.errors
    assert result.rows[0].fields["summary"] == "+52 55 1234 5678" and result.rows[0].fields["reported_value"] == 12


def test_merged_cells_are_refused_with_their_addresses(cast, mx_plan):
    content = xlsx([["Title", "Summary"], ["A", "x"], ["B", ""]], hook=lambda s: s.merge_cells("B2:B3"))
    result = check(content, "e.xlsx", cast, mx_plan)
    assert "B2:B3" in result.errors[0]["message"] and "merged" in result.errors[0]["message"]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [
        ("cp1252", ";", b""),
        ("utf-8", ",", b""),
        ("utf-8", ";", b"\xef\xbb\xbf"),
        ("utf-16", "\t", b""),
        ("latin-1", ",", b""),
    ],
)
def test_csv_in_every_encoding_excel_writes_is_read_correctly(cast, mx_plan, encoding, delimiter, bom):
    rows = [["Título", "Resumen"], ["Información pública", "Señales de mejora, según el año"]]
    content = bom + csv_bytes(rows, encoding=encoding, delimiter=delimiter)
    result = check(content, "e.csv", cast, mx_plan)
    assert not result.errors, result.errors
    assert result.rows[0].fields["title"] == "Información pública"
    assert result.rows[0].fields["summary"] == "Señales de mejora, según el año"


def test_a_csv_in_no_known_encoding_is_refused_with_a_message(cast, mx_plan):
    content = b"Title\r\nInformaci" + b"\x81\x8d\xc3" + b"n\r\n"
    result = check(content, "e.csv", cast, mx_plan)
    assert "could not be read" in result.errors[0]["message"] and "CSV UTF-8" in result.errors[0]["message"]


# -- dates and numbers as people type them ------------------------------------------------------------------


def _excel_cell(value, number_format):
    def hook(sheet):
        sheet["B2"].number_format = number_format

    return hook, value


@pytest.mark.parametrize(
    ("typed", "number_format", "iso"),
    [
        ("2021", None, "2021"),
        (2021, None, "2021"),
        ("2021-04", None, "2021-04"),
        ("abril 2021", None, "2021-04"),
        ("abril de 2021", None, "2021-04"),
        ("April 2021", None, "2021-04"),
        ("15/04/2021", None, "2021-04-15"),
        ("2021-04-15", None, "2021-04-15"),
        ("2021/04/15", None, "2021-04-15"),
        ("15 de abril de 2021", None, "2021-04-15"),
        ("2021-04-15 00:00:00", None, "2021-04-15"),
        (dt.datetime(2021, 4, 15), "dd/mm/yyyy", "2021-04-15"),
        (dt.datetime(2021, 4, 1), "mmm yyyy", "2021-04"),
        (dt.datetime(2021, 1, 1), "yyyy", "2021"),
        (44301, None, "2021-04-15"),  # an Excel serial number
        ("44301", None, "2021-04-15"),
    ],
)
def test_every_date_format_people_type_is_read(cast, mx_plan, typed, number_format, iso):
    def hook(sheet):
        if number_format:
            sheet["B2"].number_format = number_format

    result = check(xlsx([["Title", "Source date"], ["A", typed]], hook=hook), "e.xlsx", cast, mx_plan)
    assert not result.errors, result.errors
    fields = result.rows[0].fields
    from monitoring.partial_dates import PartialDate

    assert PartialDate.from_stored(fields["source_date"], fields["source_date_precision"]).iso() == iso


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1.234,5", "1234.5"),
        ("1,234.5", "1234.5"),
        ("12,5", "12.5"),
        ("1,234,567", "1234567"),
        ("$ 1 000", "1000"),
        (Decimal("2.5"), "2.5"),
        (3.25, "3.25"),
    ],
)
def test_amounts_with_a_decimal_point_or_comma_are_read(cast, mx_plan, typed, value):
    rows = [["Title", "Kind of evidence", "Amount"], ["A", "Budget document", typed]]
    result = check(xlsx(rows), "e.xlsx", cast, mx_plan)
    assert not result.errors, result.errors
    assert result.rows[0].fields["amount"] == Decimal(value)


def test_a_yes_or_no_column_refuses_other_words(cast, mx_plan):
    rows = [["Title", "Kind of evidence", "relays_source"], ["A", "News report", "maybe"]]
    result = check(csv_bytes(rows), "e.csv", cast, mx_plan)
    assert result.errors == [{"row": 2, "column": "relays_source", "message": "Write yes or no (sí or no)."}]


# -- permissions and templates --------------------------------------------------------------------------------


def test_another_organisations_import_is_a_404(
    client, cast, mx_plan, member_client, django_capture_on_commit_callbacks
):
    job = run_upload(member_client, django_capture_on_commit_callbacks, xlsx([*SMALL, ["A", "", "", "", ""]]))
    client.force_login(cast.other_member)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(f"/en/workspace/evidence/import/{job.uuid}/confirm/").status_code == 404
    client.force_login(cast.outsider)
    assert client.get(UPLOAD).status_code == 404
    client.logout()
    assert client.get(UPLOAD).status_code == 302


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_templates_open_with_both_sheets_in_each_language(member_client, mx_plan, language):
    response = member_client.get(f"/{language}/workspace/evidence/import/template-{language}.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    evidence, columns = book.worksheets[0], book.worksheets[1]
    headers = [c.value for c in next(evidence.iter_rows(max_row=1))]
    assert headers == full_header(mx_plan, language)
    explained = {row[1]: row for row in columns.iter_rows(min_row=2, values_only=True) if row and row[1]}
    form = EvidenceForm(plan=mx_plan, organisations=Organisation.objects.none())
    assert set(explained) == set(column_names(form))
    with translation.override(language):
        kinds = [str(label) for _value, label in form.fields["kind"].choices if _value]
        assert all(kind in explained["kind"][3] for kind in kinds)
    assert "I13" in explained["indicators"][3]
    assert evidence.data_validations.dataValidation  # drop-down lists for choice columns

    response = member_client.get(f"/{language}/workspace/evidence/import/template-{language}.csv")
    text = response.content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == full_header(mx_plan, language)


def test_the_template_example_row_passes_the_check(member_client, cast, mx_plan):
    response = member_client.get("/en/workspace/evidence/import/template-es.xlsx")
    result = check(response.content, "plantilla.xlsx", cast, mx_plan)
    assert not result.errors, result.errors
    assert len(result.rows) == 1 and result.rows[0].fields["indicators"] == [
        Indicator.objects.active().filter(plan=mx_plan).order_by("position").first()
    ]


def test_an_import_that_stops_half_way_continues_where_it_stopped(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.IMPORT_BATCH_SIZE = 2
    rows = [*SMALL, *[[f"Item {i}", "", "I13", "2021", ""] for i in range(5)]]
    job = run_upload(member_client, django_capture_on_commit_callbacks, csv_bytes(rows), "e.csv")
    from monitoring.imports import jobs
    from monitoring.services.evidence import create_evidence

    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return create_evidence(**kwargs)

    monkeypatch.setattr(jobs, "create_evidence", failing)
    job = confirm(member_client, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.FAILED and job.created_count == 2  # the first batch; the second rolled back
    assert Evidence.objects.count() == 2
    page = member_client.get(job.get_absolute_url()).content.decode()
    assert "The import stopped because of a problem on our side." in page and "Try the import again" in page

    job = confirm(member_client, django_capture_on_commit_callbacks, job)
    assert job.status == ImportStatus.DONE
    assert sorted(Evidence.objects.values_list("title", flat=True)) == [f"Item {i}" for i in range(5)]
    assert ImportedRow.objects.count() == 5


def test_the_result_page_makes_the_same_queries_for_2_or_20_items(
    member_client, cast, mx_plan, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 20):
        rows = [*SMALL, *[[f"Item {size}-{i}", "", "I13", "2021", ""] for i in range(size)]]
        job = confirm(
            member_client,
            django_capture_on_commit_callbacks,
            run_upload(member_client, django_capture_on_commit_callbacks, csv_bytes(rows), "e.csv"),
        )
        assert job.created_count == size
        with CaptureQueriesContext(connection) as queries:
            page = member_client.get(job.get_absolute_url()).content.decode()
        assert f"Item {size}-{size - 1}" in page
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_organisations_reviewer_may_follow_its_imports_and_others_may_not(
    client, cast, mx_plan, member_client, django_capture_on_commit_callbacks
):
    job = run_upload(
        member_client, django_capture_on_commit_callbacks, csv_bytes([*SMALL, ["A", "", "", "", ""]]), "e.csv"
    )
    for person, status in [(cast.reviewer, 200), (cast.other_reviewer, 404), (cast.moderator, 404)]:
        client.force_login(person)
        assert client.get(job.get_absolute_url()).status_code == status
    client.force_login(cast.other_member)
    assert client.get("/en/workspace/evidence/import/template-es.xlsx").status_code == 200
    assert client.get("/en/workspace/evidence/import/template-fr.xlsx").status_code == 404
    assert client.get("/en/workspace/evidence/import/template-es.pdf").status_code == 404
