"""HTTP caching of what never changes (published report versions), and of nothing else.

Only responses to anonymous readers are ever public: a logged-in reader's page carries their menu, and
``AccountSecurityMiddleware`` marks every response to a logged-in person ``private, no-store``. The views ask
``shared(request)`` first and give everyone else a response that no cache keeps.

ETags are weak (``W/"…"``): GZipMiddleware compresses HTML, JSON and CSV, so the bytes on the wire differ by
encoding, and a weak ETag is what Django and caches compare for ``If-None-Match`` anyway.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control

ONE_YEAR = 365 * 24 * 60 * 60


def shared(request: HttpRequest) -> bool:
    """May this request get a response that shared caches keep? Only when nobody is logged in."""
    return not request.user.is_authenticated


def etag(*parts: object) -> str:
    """A weak ETag from what the representation is made of (a content hash, the language, the format…)."""
    return 'W/"' + hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()[:40] + '"'


def not_modified(request: HttpRequest, tag: str, cache_control: str) -> HttpResponseBase | None:
    """A 304 when the reader's ``If-None-Match`` has ``tag``, with the headers the 200 would have carried."""
    response = get_conditional_response(request, etag=tag)
    if response is not None:
        response["ETag"] = tag
        response["Cache-Control"] = cache_control
    return response


def public(response: HttpResponseBase, tag: str, cache_control: str) -> HttpResponseBase:
    """Mark a successful response as cacheable by anyone, with its ETag. Anything but a 200 is left uncached."""
    if response.status_code == 200:
        response["ETag"] = tag
        response["Cache-Control"] = cache_control
    else:
        never_cached(response)
    return response


def never_cached(response: HttpResponseBase) -> HttpResponseBase:
    patch_cache_control(response, private=True, no_store=True)
    return response


def same_for_every_reader(request: HttpRequest) -> None:
    """The response does not depend on who asks (a download of a published version): no ``Vary: Cookie``.

    Django adds ``Vary: Cookie`` whenever the session was read, and every request reads it to learn whether
    someone is logged in. For an anonymous reader that read changed nothing, so it is forgotten here; a shared
    cache then keeps one copy for everyone (a logged-in reader's own response is ``private, no-store``, and the
    copy a cache might give them holds the same bytes)."""
    session = getattr(request, "session", None)
    if session is not None and not request.user.is_authenticated and not session.modified:
        session.accessed = False


View = TypeVar("View", bound=Callable[..., Any])


def uncached_404s(view: View) -> View:
    """A 404 that no cache may keep: the address of an embargoed version is a 404 until its embargo passes, then
    a page; a cache that kept the 404 would hide the publication (and could tell nothing, but must keep nothing)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except Http404 as exc:
            from portal.views import not_found

            return never_cached(not_found(request, exc))

    return cast(View, wrapper)
