"""What every workflow view shares: the request type behind ``login_required``, the edit version a page posts
back, and one way of turning a refused change (``DomainError``) into a message and a status code."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from portal.errors import DomainError, StaleVersion
from portal.models import User

CONFLICT = 409


class AuthenticatedHttpRequest(HttpRequest):
    """An ``HttpRequest`` behind ``login_required``: ``user`` is a real ``User``, never ``AnonymousUser``.

    For type checking only (views annotate ``request`` with it); at run time requests are ordinary."""

    user: User


def expected_version(request: HttpRequest) -> int:
    """The edit version the page was opened at, from its hidden ``version`` input.

    0 when it is missing or malformed: versions start at 1, so 0 never matches and the service refuses the change
    as stale instead of applying it over someone else's."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return 0


class Refusal:
    """``with refusal(request) as refused:`` around a view's one service call.

    A ``DomainError`` raised inside is swallowed and becomes ``messages.error(request, exc.message)``: the view
    goes on after the block only when the service refused. ``refused.status`` is then the status of the page shown
    again: 409 (Conflict) when someone changed the object after this person opened it (any ``StaleVersion``: an
    older edit version, a decision or a publication that won the race), 200 otherwise."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.error: DomainError | None = None

    def __enter__(self) -> Refusal:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if not isinstance(exc, DomainError):
            return False
        messages.error(self.request, exc.message)
        self.error = exc
        return True

    @property
    def conflict(self) -> bool:
        return isinstance(self.error, StaleVersion)

    @property
    def status(self) -> int:
        return CONFLICT if self.conflict else 200

    def response(self, page: Callable[[int], HttpResponse], back: str) -> HttpResponse:
        """The answer to a refused one-shot action (nothing typed to keep): back to the page it was sent from, or,
        on a conflict, that page as it is now with status 409 (a redirect cannot carry a 409)."""
        return page(CONFLICT) if self.conflict else redirect(back)


def refusal(request: HttpRequest) -> Refusal:
    return Refusal(request)
