"""Pure rules of the workflows, asked by services (which enforce them) and by views and templates (which only
show what a rule allows). Nothing here reads the database or imports a service.

Transparency requests: a request is pending until its answer (or the lack of one) is recorded; a recorded
answer may be corrected; a pending request may be withdrawn; a withdrawn request is closed.
"""

from __future__ import annotations

from monitoring.models.transparency import ANSWERED_STATUSES, RequestStatus, TransparencyRequest

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
