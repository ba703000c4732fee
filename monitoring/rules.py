"""Pure rules of the workflows, asked by services (which enforce them) and by views and templates (which only
show what a rule allows). Nothing here reads the database or imports a service.

Transparency requests: a request is pending until its answer (or the lack of one) is recorded; a recorded
answer may be corrected; a pending request may be withdrawn; a withdrawn request is closed.

Shadow reports: the working copy is a draft until a reviewer asks for publication (in review); a different reviewer
approves it (published) or the request is withdrawn (draft again); any edit after a request or a publication
reopens it as a draft.
"""

from __future__ import annotations

from monitoring.models.reports import Report, ReportStatus
from monitoring.models.transparency import ANSWERED_STATUSES, RequestStatus, TransparencyRequest
from portal.models import User

# What an answer can record: one of the answered statuses, or that no answer came.
RECORDED_STATUSES: frozenset[str] = frozenset({*ANSWERED_STATUSES, RequestStatus.NO_ANSWER})

# The whole lifecycle of a transparency request. Only services/transparency.py changes `status`, through this table.
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.PENDING: RECORDED_STATUSES | {RequestStatus.WITHDRAWN},
    **dict.fromkeys(RECORDED_STATUSES, RECORDED_STATUSES),
    RequestStatus.WITHDRAWN: frozenset(),
}


def request_transition_allowed(current: str, new: str) -> bool:
    return new in REQUEST_TRANSITIONS.get(current, frozenset())


def can_answer(request: TransparencyRequest) -> bool:
    """An answer (or its correction) can be recorded unless the request is closed."""
    return bool(REQUEST_TRANSITIONS.get(request.status))


def can_extend(request: TransparencyRequest) -> bool:
    """The legal extension is taken once, while the institution has not answered."""
    return request.status == RequestStatus.PENDING and request.extended_due_on is None


def can_withdraw(request: TransparencyRequest) -> bool:
    return request_transition_allowed(request.status, RequestStatus.WITHDRAWN)


def can_appeal(request: TransparencyRequest) -> bool:
    """An appeal is against an answer or its absence (overdue or not), so anything but a withdrawn request."""
    return request.status != RequestStatus.WITHDRAWN


def can_become_evidence(request: TransparencyRequest) -> bool:
    return request.status in ANSWERED_STATUSES


def request_actions(request: TransparencyRequest) -> dict[str, bool]:
    """Every verb's rule for one request, for the page to show only what the service will accept."""
    return {
        "answer": can_answer(request),
        "extend": can_extend(request),
        "withdraw": can_withdraw(request),
        "appeal": can_appeal(request),
        "evidence": can_become_evidence(request),
    }


# --------------------------------------------------------------------------- shadow reports

# The whole lifecycle of a report's working copy. Only services/reports.py changes `status`, through these rules.
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportStatus.DRAFT: frozenset({ReportStatus.IN_REVIEW}),
    ReportStatus.IN_REVIEW: frozenset({ReportStatus.PUBLISHED, ReportStatus.DRAFT}),
    ReportStatus.PUBLISHED: frozenset({ReportStatus.DRAFT}),
}


def report_transition_allowed(current: str, new: str) -> bool:
    return new in REPORT_TRANSITIONS.get(current, frozenset())


def can_request_publication(report: Report) -> bool:
    """A draft can be put forward; a published report must be edited (reopened) before it is published again."""
    return report_transition_allowed(report.status, ReportStatus.IN_REVIEW)


def can_cancel_publication(report: Report) -> bool:
    """A pending request can be withdrawn, by any of the report's reviewers."""
    return report.status == ReportStatus.IN_REVIEW


def can_approve_publication(report: Report, user: User) -> bool:
    """Two people: a pending request is approved by a reviewer other than the one who asked."""
    return (
        report_transition_allowed(report.status, ReportStatus.PUBLISHED)
        and report.publication_requested_by_id != user.pk
    )


def publication_actions(report: Report, user: User) -> dict[str, bool]:
    """Every publication verb's rule for one report and one reviewer, for the page to show only what the service
    will accept."""
    return {
        "request": can_request_publication(report),
        "cancel": can_cancel_publication(report),
        "approve": can_approve_publication(report, user),
    }
