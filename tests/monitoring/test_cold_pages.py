"""Cold public pages: the indicator page reads its newest 20 items from a denormalised list that follows approval
and withdrawal, in a number of queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.models import Evidence, Indicator, Region
from monitoring.models.evidence import PublicIndicatorEvidence
from monitoring.services import moderation
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

PAGE = "/{lang}/plans/mx-pna-1325-2021/indicators/I13/"


def _submitted(cast, mx_plan, title: str, **kw):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    kw.setdefault("visibility", "public")
    return EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="submitted",
        indicators=[i13],
        title=title,
        **kw,
    )


def _listed(html: str) -> list[str]:
    section = html.split('id="evidence-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/\w\w/evidence/[0-9a-f-]+/">([^<]+)</a>', section)


def test_the_indicator_list_follows_approval_and_withdrawal(client, cast, mx_plan):
    item = _submitted(cast, mx_plan, "Redes de mujeres en Chiapas")
    assert "Redes de mujeres en Chiapas" not in client.get(PAGE.format(lang="en")).content.decode()
    assert not PublicIndicatorEvidence.objects.filter(evidence=item).exists()

    moderation.approve_evidence(evidence=item, actor=cast.moderator)
    row = PublicIndicatorEvidence.objects.get(evidence=item)
    assert row.indicator.code == "I13" and row.period_start == item.period_start
    for lang in ("es", "en"):
        assert _listed(client.get(PAGE.format(lang=lang)).content.decode()) == ["Redes de mujeres en Chiapas"]

    moderation.withdraw_evidence(evidence=item, actor=cast.moderator, reason="Fuente retirada.")
    assert not PublicIndicatorEvidence.objects.filter(evidence=item).exists()
    html = client.get(PAGE.format(lang="en")).content.decode()
    assert "Redes de mujeres en Chiapas" not in html
    assert "No approved public evidence has been logged for this indicator yet." in html


def test_restricted_items_never_reach_the_list_even_when_approved(client, cast, mx_plan):
    item = _submitted(cast, mx_plan, "RESTRICTED reviewers only", visibility="reviewers")
    moderation.approve_evidence(evidence=item, actor=cast.moderator)
    assert not PublicIndicatorEvidence.objects.filter(evidence=item).exists()
    assert "RESTRICTED" not in client.get(PAGE.format(lang="en")).content.decode()


def test_the_page_shows_the_newest_20_by_period_and_counts_them_all(client, cast, mx_plan):
    items = [
        _submitted(cast, mx_plan, f"Periodo {n:02d}", period_start=dt.date(2000 + n, 1, 1), period_end=None)
        for n in range(23)
    ]
    for item in items:
        moderation.approve_evidence(evidence=item, actor=cast.moderator)
    html = client.get(PAGE.format(lang="en")).content.decode()
    assert _listed(html) == [f"Periodo {n:02d}" for n in range(22, 2, -1)]
    assert '<span class="text-muted">(23)</span>' in html
    assert "See all 23 items" in html


def test_rebuild_fills_the_list_from_the_public_links(cast, mx_plan):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    i05 = Indicator.objects.get(plan=mx_plan, code="I05")
    shown = EvidenceFactory(
        organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, status="approved", indicators=[i13, i05]
    )
    EvidenceFactory(organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, indicators=[i13])  # draft
    PublicIndicatorEvidence.rebuild()
    assert set(PublicIndicatorEvidence.objects.values_list("evidence_id", "indicator_id")) == {
        (shown.pk, i13.pk),
        (shown.pk, i05.pk),
    }


def _bulk(cast, mx_plan, count: int, start: int) -> None:
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    created = Evidence.objects.bulk_create(
        [
            Evidence(
                plan=mx_plan,
                organisation=cast.intersecta,
                submitted_by=cast.member,
                status="approved",
                visibility="public",
                kind="news_report",
                title=f"Redes {start + n}",
                summary="Redes de mujeres constructoras de paz.",
                source_date=dt.date(2021, 1, 1) + dt.timedelta(days=(start + n) % 300),
                period_start=dt.date(2020, 1, 1) + dt.timedelta(days=(start + n) % 500),
                language="es",
                search_text=f"redes {start + n} redes de mujeres constructoras de paz.",
            )
            for n in range(count)
        ]
    )
    Evidence.indicators.through.objects.bulk_create(
        [Evidence.indicators.through(evidence_id=e.pk, indicator_id=i13.pk) for e in created]
    )
    chiapas = Region.objects.get(code="MX-CHP")
    Evidence.regions.through.objects.bulk_create(
        [Evidence.regions.through(evidence_id=e.pk, region_id=chiapas.pk) for e in created]
    )
    PublicIndicatorEvidence.sync([e.pk for e in created])  # as approval does


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200, path
    return len(ctx)


def test_the_indicator_page_makes_the_same_queries_at_10_and_1000_items(client, cast, mx_plan):
    paths = [PAGE.format(lang="es"), PAGE.format(lang="en"), "/es/"]
    _bulk(cast, mx_plan, 10, 0)
    at_10 = {path: _queries(client, path) for path in paths}
    _bulk(cast, mx_plan, 990, 10)
    at_1000 = {path: _queries(client, path) for path in paths}
    assert at_1000 == at_10
    assert max(at_1000.values()) <= 10, at_1000
    assert '<span class="text-muted">(1000)</span>' in client.get(PAGE.format(lang="en")).content.decode()
