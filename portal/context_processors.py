"""Context shared by every page: site name, source code link and the same page in the other languages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from portal import links
from portal.notifications import unread_count
from portal.permissions import is_reviewer


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SOURCE_CODE_URL": settings.SOURCE_CODE_URL,
        # Built from the resolved view and the query parameters it declares, never from the raw address
        # (portal/links.py): no `//host` echo, no `?utm_source=` carried into links or cached pages.
        "language_alternates": links.language_alternates(request),
        "canonical_url": SimpleLazyObject(lambda: links.canonical_url(request) or ""),
        # Lazily evaluated: only pages that show the account menu pay the query.
        "is_reviewer": SimpleLazyObject(lambda: is_reviewer(request.user)),
        # Only the header of a logged-in person's page reads it (one query); anonymous pages are cached and never do.
        "unread_notifications": _UnreadCount(request),
    }


class _UnreadCount:
    """The header badge's unread count, counted on first use only (``{{ unread_notifications.count }}``)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request
        self._count: int | None = None

    @property
    def count(self) -> int:
        if self._count is None:
            self._count = unread_count(getattr(self._request, "user", None))
        return self._count
