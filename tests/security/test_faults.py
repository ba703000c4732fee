"""Faults: a failing database or mail server, a double-clicked submit, twenty publishers at once."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.db import OperationalError

from monitoring.models import Evidence, Indicator, ReportVersion
from tests import files

pytestmark = pytest.mark.django_db


def test_a_double_clicked_submit_creates_one_item(client, cast, mx_plan):
    client.force_login(cast.member)
    form = client.get("/en/workspace/evidence/new/").content.decode()
    key = re.search(r'name="creation_key" value="([0-9a-f-]+)"', form).group(1)
    data = {"title": "Clicked twice", "action": "draft", "creation_key": key}
    first = client.post("/en/workspace/evidence/new/", data)
    second = client.post("/en/workspace/evidence/new/", data)
    assert Evidence.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_database_failure_during_submission_keeps_what_was_typed(client, cast, mx_plan):
    client.force_login(cast.member)
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    with mock.patch(
        "monitoring.services.evidence.audit.record", side_effect=OperationalError("server closed the connection")
    ):
        response = client.post(
            "/en/workspace/evidence/new/",
            {
                "title": "Typed with care",
                "summary": "Long summary",
                "indicators": [i13.pk],
                "action": "draft",
                "attachments": [files.pdf("keep.pdf")],
            },
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "We could not save this right now" in html
    assert 'value="Typed with care"' in html and "Long summary" in html and "keep.pdf" in html
    assert not Evidence.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_publication_approvals_make_one_version(cast, mx_plan):
    from monitoring.services import reports as svc
    from tests.factories import MembershipFactory
    from tests.monitoring.test_concurrency import run_at_once

    report = svc.create_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta],
        fields={
            "title": "R",
            "slug": "r",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
        },
    )
    svc.request_publication(report=report, actor=cast.reviewer)
    approvers = [MembershipFactory(organisation=cast.intersecta, role="reviewer").user for _ in range(20)]
    results = run_at_once([lambda u=u: svc.approve_publication(report=report, actor=u) for u in approvers])
    assert sum(isinstance(r, ReportVersion) for r in results) == 1
    assert ReportVersion.objects.filter(report=report).count() == 1
