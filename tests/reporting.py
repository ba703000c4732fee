"""A shadow report to work on, shared by the report, published-file and cache tests: the ``world`` fixture
(in tests/conftest.py) and the two steps every such test takes, assessing an indicator and publishing."""

from __future__ import annotations

import datetime as dt

from monitoring.models import Assessment, Indicator
from monitoring.services import reports as svc
from portal.models import Membership, Role
from tests.factories import EvidenceFactory

SLUG = "informe-2021"


def make_world(cast, mx_plan):
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    make = lambda **kw: EvidenceFactory(  # noqa: E731
        organisation=cast.intersecta, submitted_by=cast.member, plan=mx_plan, indicators=[i13], **kw
    )
    public = make(title="INMUJERES: 84 new networks", status="approved", visibility="public", reported_value=84)
    confidential = make(title="SECRET testimony of a survivor", status="approved", visibility="confidential")
    waiting = make(title="Still in the queue", status="submitted")
    old = make(
        title="Before the period", status="approved", period_start=dt.date(2015, 1, 1), period_end=dt.date(2015, 12, 31)
    )
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Shadow report 2021",
            "slug": SLUG,
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Summary **bold**.",
            "methodology": "How we worked.",
            "recommendations": "Publish the annual reports.",
        },
    )
    return {
        "report": report,
        "i13": i13,
        "public": public,
        "confidential": confidential,
        "waiting": waiting,
        "old": old,
    }


def assess(world, actor, cited, **fields):
    a = Assessment.objects.get(report=world["report"], indicator=world["i13"])
    values = {"rating": "in_progress", "observed_value": 84, "narrative": "Narrative of I13.", **fields}
    return svc.save_assessment(assessment=a, actor=actor, fields=values, cited=cited, expected_version=a.version)


def publish(world, cast, requester=None, approver=None, note=""):
    svc.request_publication(report=world["report"], actor=requester or cast.reviewer, change_note=note)
    return svc.approve_publication(report=world["report"], actor=approver or cast.other_reviewer)


def accept_invitations(report):
    """Every organisation invited to co-author ``report`` accepts, through one of its reviewers (the service)."""
    for coauthorship in report.coauthorships.filter(status="pending").select_related("organisation"):
        membership = Membership.objects.filter(organisation=coauthorship.organisation, role=Role.REVIEWER).first()
        svc.accept_coauthorship(report=report, actor=membership.user)
    return report


def create_accepted_report(**kwargs):
    """``create_report`` whose invited co-authors have all accepted: the report as it was before consent."""
    return accept_invitations(svc.create_report(**kwargs))
