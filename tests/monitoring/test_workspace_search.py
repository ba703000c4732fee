"""Members search their organisation's evidence, and moderators the queue, by words: the public list's engine
(monitoring/search.py), combined with the filters, never reaching another organisation's items."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import search
from monitoring.models import Evidence, EvidenceStatus, Indicator
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

WORKSPACE = "/en/workspace/evidence/"
QUEUE = "/en/moderation/"


def item(cast, mx_plan, title, *, organisation=None, status=EvidenceStatus.DRAFT, visibility="public", **kwargs):
    evidence = EvidenceFactory(
        organisation=organisation or cast.intersecta,
        submitted_by=cast.member if organisation in (None, cast.intersecta) else cast.other_member,
        plan=mx_plan,
        title=title,
        status=status,
        visibility=visibility,
        submitted_at=None if status == EvidenceStatus.DRAFT else timezone.now(),
        indicators=[Indicator.objects.get(plan=mx_plan, code="I13")],
        **kwargs,
    )
    search.refresh([evidence.pk])
    return evidence


def rows(html: str) -> list[str]:
    """The titles listed (marks removed), in order."""
    titles = re.findall(r'<th scope="row" class="fw-normal"><a href="[^"]+">(.+?)</a>', html)
    return [re.sub(r"</?mark>", "", t) for t in titles]


@pytest.mark.parametrize("words", ["participacion", "PARTICIPACIÓN", "Participación mujeres"])
def test_a_member_finds_her_items_with_or_without_accents_and_sees_the_words_marked(client, cast, mx_plan, words):
    item(cast, mx_plan, "Participación de mujeres en operaciones de paz")
    item(cast, mx_plan, "Presupuesto de la Secretaría de Marina")
    client.force_login(cast.member)
    html = client.get(WORKSPACE, {"q": words}).content.decode()
    assert rows(html) == ["Participación de mujeres en operaciones de paz"]
    assert "<mark>Participación</mark>" in html
    assert "1 item" in html


def test_the_search_combines_with_the_status_and_kind_filters(client, cast, mx_plan):
    item(cast, mx_plan, "Despliegue de mujeres: borrador")
    item(cast, mx_plan, "Despliegue de mujeres: enviada", status=EvidenceStatus.SUBMITTED)
    item(cast, mx_plan, "Despliegue de mujeres: testimonio", status=EvidenceStatus.SUBMITTED, kind="testimony")
    item(cast, mx_plan, "Otra cosa enviada", status=EvidenceStatus.SUBMITTED)
    client.force_login(cast.member)
    html = client.get(WORKSPACE, {"q": "despliegue", "status": "submitted"}).content.decode()
    assert sorted(rows(html)) == ["Despliegue de mujeres: enviada", "Despliegue de mujeres: testimonio"]
    html = client.get(WORKSPACE, {"q": "despliegue", "status": "submitted", "kind": "testimony"}).content.decode()
    assert rows(html) == ["Despliegue de mujeres: testimonio"]
    # The pagination and export links keep the search.
    assert "q=despliegue" in html and "status=submitted" in html


@pytest.mark.parametrize(
    ("status", "visibility"),
    [("draft", "confidential"), ("approved", "confidential"), ("approved", "reviewers"), ("approved", "public")],
)
def test_another_organisations_items_are_never_found_by_a_member(client, cast, mx_plan, status, visibility):
    item(
        cast,
        mx_plan,
        "Refugios para mujeres en Chiapas",
        organisation=cast.data_civica,
        status=status,
        visibility=visibility,
    )
    item(cast, mx_plan, "Refugios de Intersecta")
    for user in (cast.member, cast.reviewer):
        client.force_login(user)
        html = client.get(WORKSPACE, {"q": "refugios"}).content.decode()
        assert rows(html) == ["Refugios de Intersecta"]
        assert "Chiapas" not in html


def test_moderators_search_the_queue_with_its_filters_and_never_find_drafts(client, cast, mx_plan):
    item(cast, mx_plan, "Capacitación de la Guardia Nacional", status=EvidenceStatus.SUBMITTED)
    item(cast, mx_plan, "Capacitación en la SEDENA", status=EvidenceStatus.SUBMITTED, organisation=cast.data_civica)
    item(cast, mx_plan, "Capacitación aprobada", status=EvidenceStatus.APPROVED)
    item(cast, mx_plan, "Capacitación en borrador", status=EvidenceStatus.DRAFT)
    item(cast, mx_plan, "Presupuesto enviado", status=EvidenceStatus.SUBMITTED)
    client.force_login(cast.moderator)
    html = client.get(QUEUE, {"q": "capacitacion"}).content.decode()
    assert sorted(rows(html)) == ["Capacitación de la Guardia Nacional", "Capacitación en la SEDENA"]
    assert "<mark>Capacitación</mark>" in html
    assert "borrador" not in html
    html = client.get(QUEUE, {"q": "capacitación", "organisation": "data-civica"}).content.decode()
    assert rows(html) == ["Capacitación en la SEDENA"]
    html = client.get(QUEUE, {"q": "capacitacion", "status": "approved"}).content.decode()
    assert rows(html) == ["Capacitación aprobada"]
    html = client.get(QUEUE, {"q": "inexistente"}).content.decode()
    assert rows(html) == [] and "Nothing matches “inexistente”" in html


def test_members_and_the_queue_are_refused_to_outsiders(client, cast):
    client.force_login(cast.outsider)
    assert client.get(QUEUE, {"q": "paz"}).status_code == 404
    assert "My organisation" in client.get(WORKSPACE, {"q": "paz"}).content.decode()


def _queries(client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url", "user", "status"),
    [(WORKSPACE, "member", EvidenceStatus.DRAFT), (QUEUE, "moderator", EvidenceStatus.SUBMITTED)],
)
def test_a_search_costs_the_same_number_of_queries_with_more_items(client, cast, mx_plan, url, user, status):
    for n in range(2):
        item(cast, mx_plan, f"Operaciones de paz {n}", status=status)
    client.force_login(getattr(cast, user))
    params = {"q": "operaciones paz"}
    few = _queries(client, url, params)
    for n in range(30):
        item(cast, mx_plan, f"Operaciones de paz, más {n}", status=status)
    many = _queries(client, url, params)
    assert many == few
    assert "32 items" in client.get(url, params).content.decode()


@pytest.mark.parametrize(("url", "user"), [(WORKSPACE, "member"), (QUEUE, "moderator")])
def test_search_words_too_long_to_search_say_why_and_list_nothing(client, cast, mx_plan, url, user):
    item(cast, mx_plan, "Operaciones de paz", status=EvidenceStatus.SUBMITTED)
    client.force_login(getattr(cast, user))
    response = client.get(url, {"q": "paz " * 2_499 + "fin."})  # 10,000 characters
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters (it has 10000)." in html
    assert rows(html) == []
    assert "Correct the search words above." in html
    assert 'value="paz paz' in html  # what was typed is still in the box


@pytest.mark.parametrize(("url", "user"), [(WORKSPACE, "member"), (QUEUE, "moderator")])
def test_a_nul_byte_in_the_search_words_is_a_bad_request_page(client, cast, mx_plan, url, user):
    """The site refuses control characters in any address (portal/middleware.py): its own 400 page."""
    client.force_login(getattr(cast, user))
    response = client.get(url, {"q": "paz\x00"})
    assert response.status_code == 400
    assert "We could not read this request." in response.content.decode()


@pytest.mark.parametrize(("url", "user"), [(WORKSPACE, "member"), (QUEUE, "moderator")])
@pytest.mark.parametrize(
    "words",
    ["<script>alert(1)</script>", "'; DROP TABLE monitoring_evidence; --", '" OR 1=1 --'],
)
def test_hostile_search_words_are_only_words(client, cast, mx_plan, url, user, words):
    # No word of the hostile text in the item (SQLite's fallback matches substrings: "or" is in "example.org").
    item(cast, mx_plan, "Operaciones de paz", status=EvidenceStatus.SUBMITTED, source_url="https://example.mx/paz")
    client.force_login(getattr(cast, user))
    response = client.get(url, {"q": words})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert rows(html) == []
    assert Evidence.objects.count() == 1  # the table is still there


@pytest.mark.parametrize(("url", "user"), [(WORKSPACE, "member"), (QUEUE, "moderator")])
def test_empty_search_words_list_everything(client, cast, mx_plan, url, user):
    item(cast, mx_plan, "Operaciones de paz", status=EvidenceStatus.SUBMITTED)
    item(cast, mx_plan, "Presupuesto", status=EvidenceStatus.SUBMITTED)
    client.force_login(getattr(cast, user))
    # One letter, or punctuation, is not a search term (monitoring.search.terms): nothing is searched.
    for words in ("", "   ", "a", "%_\\", "!!! ¿? --"):
        assert sorted(rows(client.get(url, {"q": words}).content.decode())) == ["Operaciones de paz", "Presupuesto"]


def test_a_title_is_escaped_when_its_words_are_marked(client, cast, mx_plan):
    item(cast, mx_plan, "<b>Paz</b> & seguridad")
    client.force_login(cast.member)
    html = client.get(WORKSPACE, {"q": "paz"}).content.decode()
    assert "&lt;b&gt;<mark>Paz</mark>&lt;/b&gt; &amp; seguridad" in html
