"""The filter forms of monitoring/forms/filters.py and the bulk form: ``apply`` only narrows, bad values never fail."""

from __future__ import annotations

import uuid

import pytest
from django.http import QueryDict

from monitoring.forms.audit import AuditFilterForm
from monitoring.forms.filters import EvidenceFilterForm, PublicEvidenceFilterForm, QueueFilterForm
from monitoring.forms.moderation import BulkApprovalForm
from monitoring.models import Evidence, EvidenceStatus
from portal.models import AuditEvent
from tests.monitoring.test_moderation_views import submitted

pytestmark = pytest.mark.django_db


def test_the_queue_shows_submitted_items_unless_another_status_is_chosen(cast, mx_plan):
    waiting = submitted(cast, mx_plan)
    approved = submitted(cast, mx_plan, status=EvidenceStatus.APPROVED)
    everything = Evidence.objects.ever_submitted()
    unbound = QueueFilterForm(None)
    assert unbound.shown_status == EvidenceStatus.SUBMITTED
    assert list(unbound.apply(everything)) == [waiting]
    chosen = QueueFilterForm(QueryDict("status=approved"))
    assert chosen.shown_status == "approved" and list(chosen.apply(everything)) == [approved]
    # A malformed value filters nothing else out and falls back to the submitted items.
    invalid = QueueFilterForm(QueryDict("status=draft&age=x"))
    assert invalid.shown_status == EvidenceStatus.SUBMITTED and list(invalid.apply(everything)) == [waiting]


def test_filters_only_narrow_the_queryset_they_are_given(cast, mx_plan):
    item = submitted(cast, mx_plan, status=EvidenceStatus.APPROVED, visibility="public")
    none = Evidence.objects.none()
    assert not PublicEvidenceFilterForm(QueryDict(""), widgets=False).apply(none).exists()
    assert not EvidenceFilterForm(QueryDict("")).apply(none).exists()
    assert list(EvidenceFilterForm(QueryDict("indicator=i13")).apply(Evidence.objects.all())) == [item]
    assert not EvidenceFilterForm(QueryDict("indicator=I01")).apply(Evidence.objects.all()).exists()
    assert list(EvidenceFilterForm(QueryDict("year=nineteen")).apply(Evidence.objects.all())) == [item]
    assert list(PublicEvidenceFilterForm(QueryDict("year=nineteen"), widgets=False).apply(Evidence.objects.public()))


def test_the_audit_filter_narrows_events(cast):
    AuditEvent.objects.create(action="portal.user.created", object_type="portal.user", object_id="1", actor=cast.member)
    AuditEvent.objects.create(action="monitoring.plan.updated", object_type="monitoring.plan", object_id="1")
    events = AuditEvent.objects.all()
    assert AuditFilterForm(QueryDict("action=portal.user.created")).apply(events).get().action == "portal.user.created"
    assert AuditFilterForm(QueryDict(f"actor={cast.member.email.upper()}")).apply(events).count() == 1
    # A malformed value is an error beside its field, and lists nothing until it is corrected.
    assert AuditFilterForm(QueryDict("since=not-a-date")).apply(events).count() == 0


def test_bulk_approval_takes_one_page_of_well_formed_uuids_and_keeps_only_the_queue_filters():
    ticked = [str(uuid.uuid4()) for _ in range(4)]
    data = QueryDict(mutable=True)
    data.setlist("items", [ticked[0], "not-a-uuid", *ticked[1:]])
    data["query"] = "status=approved&page=3&indicator=I13&csrfmiddlewaretoken=x"
    form = BulkApprovalForm(data, max_items=3)
    assert form.ticked() == ticked[:2]  # the first three values sent, the malformed one dropped
    assert QueryDict(form.queue_query()) == QueryDict("status=approved&indicator=I13")
    assert BulkApprovalForm(QueryDict(""), max_items=3).ticked() == []
    assert BulkApprovalForm(QueryDict(""), max_items=3).queue_query() == ""
