"""The site-wide audit log (moderators): readable labels, every filter, bad input, pages, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.audit_labels import ACTION_LABELS, OBJECT_KINDS
from monitoring.models import EvidenceStatus
from portal.models import AuditEvent
from tests.factories import EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/en/moderation/audit/"
CSV_URL = "/en/moderation/audit/export.csv"


def event(action="monitoring.report.updated", object_type="monitoring.report", repr_="Informe 2024", **kwargs):
    return AuditEvent.objects.create(
        action=action, object_type=object_type, object_id=kwargs.pop("object_id", "1"), object_repr=repr_, **kwargs
    )


def visible_text(html: str) -> str:
    """What a reader sees: the page without its tags (option values, attributes) and without its scripts."""
    return re.sub(r"<[^>]+>", " ", html)


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark: Excel would garble the accents"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def moderator(client, cast):
    client.force_login(cast.moderator)
    return cast.moderator


# --- Readable, never a raw code -------------------------------------------------------------------------------


def test_no_action_code_is_shown_in_the_log_only_its_label(client, moderator):
    for code in ACTION_LABELS:
        event(action=code, object_type="monitoring.report", repr_="R")
    event(action="monitoring.gadget.frobnicated", object_type="elsewhere.thing", repr_="Odd")
    event(action="portal.organisation.admin_changed", object_type="portal.organisation", repr_="Org", reason="admin")
    html = client.get(f"{URL}?page=1").content.decode() + client.get(f"{URL}?page=2").content.decode()
    text = visible_text(html)
    shown = [code for code in [*ACTION_LABELS, "monitoring.gadget.frobnicated"] if code in text]
    assert shown == []
    assert "Made a change" in text and "Other record" in text
    assert "Changed it in the administration" in text and "in the administration" in text
    assert "Asked for changes" in text and "Turned the answer into evidence" in text


def test_the_members_history_reads_as_sentences_in_spanish_and_english(client, cast, mx_plan):
    evidence = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status=EvidenceStatus.CHANGES_REQUESTED,
        submitted_at=timezone.now(),
    )
    event("monitoring.evidence.changes_requested", "monitoring.evidence", evidence.title, object_id=str(evidence.pk))
    event("monitoring.evidence.unheard_of", "monitoring.evidence", evidence.title, object_id=str(evidence.pk))
    event(
        "monitoring.evidence.created",
        "monitoring.evidence",
        evidence.title,
        object_id=str(evidence.pk),
        reason="from a transparency request",
    )
    client.force_login(cast.member)
    text = visible_text(client.get(f"/en/evidence/{evidence.uuid}/").content.decode())
    assert "asked for changes" in text and "made a change" in text and "from a transparency request" in text
    assert "monitoring.evidence" not in text
    text = visible_text(client.get(f"/es/evidence/{evidence.uuid}/").content.decode())
    assert "pidió cambios" in text and "monitoring.evidence" not in text


# --- Filters ------------------------------------------------------------------------------------------------


def test_the_log_filters_by_every_kind_of_object(client, moderator, mx_plan):
    item = EvidenceFactory(plan=mx_plan, status=EvidenceStatus.SUBMITTED, submitted_at=timezone.now())
    for kind in OBJECT_KINDS:
        event(action="portal.user.created", object_type=kind, repr_=f"object of {kind}", object_id=str(item.pk))
    for kind, label in OBJECT_KINDS.items():
        response = client.get(URL, {"object_type": kind})
        assert response.status_code == 200
        table = visible_text(response.content.decode().partition("<tbody>")[2])
        assert f"object of {kind} " in table, kind
        assert [k for k in OBJECT_KINDS if k != kind and f"object of {k} " in table] == [], kind
        assert str(label) in table  # the kind is named beside the object


def test_the_log_filters_by_action_by_admin_verb_by_person_and_by_dates(client, moderator, cast):
    ana = UserFactory(email="ana@example.test", full_name="Ana Lucía Pérez")
    now = timezone.now()
    event("monitoring.evidence.rejected", "monitoring.transparencyrequest", "Rejected item", actor=ana)
    event("monitoring.evidence.approved", "monitoring.report", "Approved item", actor=cast.member)
    event("portal.user.admin_changed", "portal.user", "Changed person", created_at=now - dt.timedelta(days=40))
    event(
        "portal.organisation.admin_changed",
        "portal.organisation",
        "Changed org",
        created_at=now - dt.timedelta(days=10),
    )

    def shown(**query):
        response = client.get(URL, query)
        assert response.status_code == 200
        text = visible_text(response.content.decode())
        return {r for r in ("Rejected item", "Approved item", "Changed person", "Changed org") if r in text}

    assert shown(action="monitoring.evidence.rejected") == {"Rejected item"}
    assert shown(action="*.admin_changed") == {"Changed person", "Changed org"}
    assert shown(action="*.admin_changed", object_type="portal.user") == {"Changed person"}
    assert shown(actor="lucía") == {"Rejected item"}
    assert shown(actor="MEMBER@INTERSECTA.TEST") == {"Approved item"}
    assert shown(actor="intersecta.test") == {"Approved item"}
    today = timezone.localdate()
    assert shown(since=str(today - dt.timedelta(days=20))) == {"Rejected item", "Approved item", "Changed org"}
    assert shown(until=str(today - dt.timedelta(days=20))) == {"Changed person"}
    day = today - dt.timedelta(days=10)
    assert shown(since=str(day), until=str(day)) == {"Changed org"}
    assert shown(since="2999-01-01") == set()


def test_the_filter_form_offers_readable_kinds_and_actions(client, moderator):
    html = client.get(URL).content.decode()
    assert '<option value="monitoring.transparencyrequest">Transparency requests</option>' in html
    assert '<option value="monitoring.report.published">Published a version</option>' in html
    assert '<optgroup label="Shadow reports">' in html
    assert '<option value="*.admin_deleted">Deleted it in the administration</option>' in html


# --- Bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"object_type": "monitoring.gadget"}, "object_type", "Choose a kind of object from the list."),
        ({"object_type": "<script>alert(1)</script>"}, "object_type", "Choose a kind of object from the list."),
        ({"action": "rejected"}, "action", "Choose an action from the list."),
        ({"action": "a" * 5000}, "action", "Choose an action from the list."),
        ({"since": "31/01/2026"}, "since", "Enter a date such as 2026-01-31."),
        ({"until": "2026-02-30"}, "until", "Enter a date such as 2026-01-31."),
        ({"since": "2026-03-01", "until": "2026-02-01"}, "until", "The end date is before the start date."),
        ({"until": "9999-12-31"}, "until", "Enter a date between 1900 and 2999."),
        ({"since": "0001-01-01"}, "since", "Enter a date between 1900 and 2999."),
        ({"actor": "x" * 255}, "actor", "Type at most 254 characters."),
    ],
)
def test_bad_filters_say_what_is_wrong_keep_what_was_typed_and_list_nothing(client, moderator, query, field, message):
    event("monitoring.evidence.rejected", "monitoring.evidence", "Listed only when the filters are right")
    typed = {"actor": "María <b>Ñúñez</b>", **query}
    response = client.get(URL, typed)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_{field}-error"' in html and f'href="#id_{field}"' in html
    assert f'aria-describedby="id_{field}-error"' in html and 'aria-invalid="true"' in html
    assert "Listed only when the filters are right" not in html
    assert "Correct the filters above to see the events." in html
    assert "<script>alert(1)" not in html and "<b>Ñúñez</b>" not in html
    if field != "actor":
        assert 'value="María &lt;b&gt;Ñúñez&lt;/b&gt;"' in html  # the other values typed are still there
    for name in ("since", "until"):
        if name in query:
            assert f'value="{query[name]}"' in html
    assert "export.csv" not in html  # no download of a filter that does not make sense


def test_a_valid_filter_after_a_bad_one_lists_again(client, moderator):
    event("monitoring.report.updated", "monitoring.report", "Back again")
    assert "Back again" not in client.get(URL, {"since": "garbage"}).content.decode()
    assert "Back again" in client.get(URL, {"since": ""}).content.decode()
    # A control character never reaches the form: the site answers its "malformed request" page.
    response = client.get(URL, {"actor": "ana\x00"})
    assert response.status_code == 400 and "Back again" not in response.content.decode()
    # A page number that is not one shows the first (or last) page, never an error.
    assert "Back again" in client.get(URL, {"page": "abc"}).content.decode()
    assert "Back again" in client.get(URL, {"page": "99999"}).content.decode()


# --- Pages and queries --------------------------------------------------------------------------------------


def test_the_log_pages_with_a_constant_number_of_queries(client, moderator, cast, mx_plan):
    people = [UserFactory(email=f"person{n}@pages.test") for n in range(5)]
    evidence = EvidenceFactory(plan=mx_plan, status=EvidenceStatus.SUBMITTED, submitted_at=timezone.now())

    def add(start, count):
        for i in range(start, start + count):
            event(
                "monitoring.evidence.updated" if i % 2 else "monitoring.report.updated",
                "monitoring.evidence" if i % 2 else "monitoring.report",
                f"item {i:03d}",
                object_id=str(evidence.pk) if i % 2 else str(i),
                actor=people[i % 5],
            )

    def queries(**query):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(URL, {"actor": "pages.test", **query}).content.decode()
        return len(captured), html

    add(0, 4)
    few, _html = queries()
    add(4, 116)
    many, first = queries()
    # The page itself: count, one page of events with their people, the drafts among them; the rest is the
    # site shell every logged-in page pays (session, person, second factor, permissions, inbox badge).
    assert many == few <= 16
    again, last = queries(page=3, object_type="")
    assert again == few
    assert "item 119" in first and "item 070" in first and "item 069" not in first
    assert "Page 1 of 3" in first
    assert "Page 3 of 3" in last
    assert "item 000" in last
    assert 'href="?actor=pages.test&amp;object_type=&amp;page=2"' in last


# --- CSV export ---------------------------------------------------------------------------------------------


def test_the_csv_has_the_filtered_events_readable_with_a_bom_and_safe_cells(client, moderator, cast, mx_plan):
    hostile = "=cmd|' /C calc'!A0"
    evidence = EvidenceFactory(
        plan=mx_plan, status=EvidenceStatus.SUBMITTED, submitted_at=timezone.now(), title=hostile
    )
    event(
        "monitoring.evidence.rejected",
        "monitoring.evidence",
        hostile,
        object_id=str(evidence.pk),
        actor=cast.moderator,
        reason="+SUM(1,2)",
        changes={"status": ["submitted", "rejected"]},
    )
    event("portal.user.created", "portal.user", "Someone else")
    response = client.get(CSV_URL, {"object_type": "monitoring.evidence"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="observatorio1325-audit-')
    rows = rows_of(response)
    assert rows[0] == [
        "When",
        "Who",
        "E-mail",
        "Action",
        "Action code",
        "Kind of object",
        "Object",
        "Object id",
        "Changes",
        "Reason",
    ]
    assert len(rows) == 2  # the filter applies: the person's creation is not in it
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Action"] == "rejected" and row["Action code"] == "monitoring.evidence.rejected"
    assert row["Kind of object"] == "Evidence" and row["E-mail"] == cast.moderator.email
    assert row["Object"] == "'" + hostile and row["Reason"] == "'+SUM(1,2)"
    assert row["Changes"] == '{"status": ["submitted", "rejected"]}'
    assert dt.datetime.fromisoformat(row["When"]).tzinfo is not None


def test_the_csv_is_in_the_moderators_language_and_masks_drafts(client, moderator, mx_plan):
    draft = EvidenceFactory(plan=mx_plan, status=EvidenceStatus.DRAFT, title="SECRET DRAFT")
    event(
        "monitoring.evidence.created",
        "monitoring.evidence",
        "SECRET DRAFT",
        object_id=str(draft.pk),
        changes={"title": [None, "SECRET DRAFT"]},
    )
    rows = rows_of(client.get("/es/moderation/audit/export.csv"))
    body = repr(rows)
    assert "SECRET" not in body and "(un borrador)" in body
    assert rows[0][0] == "Cuándo" and rows[1][3] == "creado"


def test_the_csv_has_every_page_of_events(client, moderator):
    for i in range(130):
        event(repr_=f"report {i}")
    rows = rows_of(client.get(CSV_URL))
    assert len(rows) == 1 + 130
    assert rows[1][6] == "report 129" and rows[-1][6] == "report 0"


def test_the_export_is_audited_with_its_filters(client, moderator):
    event(repr_="x")
    response = client.get(CSV_URL, {"action": "monitoring.report.updated", "utm_source": "mail"})
    b"".join(response.streaming_content)
    exported = AuditEvent.objects.get(action="portal.audit.exported")
    assert exported.actor == moderator and exported.object_id == str(moderator.pk)
    assert exported.changes == {"filters": [None, "action=monitoring.report.updated"]}
    text = visible_text(client.get(URL).content.decode())
    assert "Exported the audit log" in text


def test_a_bad_filter_exports_nothing_and_records_nothing(client, moderator):
    response = client.get(CSV_URL, {"until": "tomorrow"})
    assert response.status_code == 400 and not response.streaming
    assert "Enter a date such as 2026-01-31." in response.content.decode()
    assert not AuditEvent.objects.filter(action="portal.audit.exported").exists()


@pytest.mark.parametrize("role", ["outsider", "member", "reviewer", "other_reviewer"])
def test_the_log_and_its_export_do_not_exist_for_anyone_but_moderators(client, cast, role):
    event(repr_="hidden")
    client.force_login(getattr(cast, role))
    assert client.get(URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404
    assert not AuditEvent.objects.filter(action="portal.audit.exported").exists()


def test_anonymous_readers_are_sent_to_log_in(client):
    response = client.get(CSV_URL)
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")


def test_changes_read_with_the_fields_names_and_the_choices_labels(client, moderator, cast, mx_plan):
    item = EvidenceFactory(plan=mx_plan, status=EvidenceStatus.REJECTED, submitted_at=timezone.now())
    event(
        "monitoring.evidence.rejected",
        "monitoring.evidence",
        item.title,
        object_id=str(item.pk),
        changes={"status": ["submitted", "rejected"], "not_a_field": [None, "kept as recorded"]},
    )
    html = client.get(URL, {"object_type": "monitoring.evidence"}).content.decode()
    assert "Status: Submitted for review → Rejected" in html
    assert f'<a href="/en/moderation/{item.uuid}/">{item.title}</a>' in html  # to the item's moderation page
    assert "Not_a_field: — → kept as recorded" in html
    html = client.get("/es/moderation/audit/", {"object_type": "monitoring.evidence"}).content.decode()
    assert "Estado: Enviada a revisión → Rechazada" in html
