"""The public page cache: anonymous readers' pages served from the shared cache, invalidated precisely.

Everything an anonymous reader sees is a function of public state. Each public page declares (``register``) the
*scopes* of public state it shows: ``site`` (the catalogue and everything around it: every page depends on it),
``evidence``, ``reports``, ``transparency``, or finer ones built from the address (``indicator:<plan>:<code>``,
``evidence:<uuid>``). Each scope has a *generation* in the shared cache, a random token that the services replace
right after the transaction that changed that state commits (monitoring/public_state.py). A stored page keeps the
generations it was rendered under; it is served only while all of them are still current. Nothing is ever
deleted to invalidate: a page whose state moved on simply stops matching, and expires with its TTL.

Served from a middleware placed before sessions and authentication, so a hit costs one round trip to Redis
(``MGET`` of the page and its generations) and no SQL query. Only these requests are considered:

- GET or HEAD of an address under a language prefix whose view is registered here;
- no session cookie, no pending-messages cookie, no ``Authorization`` header (nobody is logged in, nothing
  private is pending);

and only these responses are stored: a 200, not streamed, that sets no cookie (a page that rendered a CSRF token
sets one) and is not marked private or ``no-store``. Every response of a registered page says what happened in
``X-Page-Cache: hit | miss | bypass``.

The key is the scheme, host, language, path and the *normalised* query: only the parameters the view declares
with ``portal.links.query_params`` (a view reads nothing else), in sorted order, so ``?utm_source=…`` and
parameter order never split the cache. Both encodings are stored once (identity and gzip), with the response's
headers (CSP, Vary, Content-Language…), and an ETag so that a revalidation is a 304 from the cache.

Pages that change with the clock: scopes may have a *clock*, the time at which their state next changes by itself
(``reports``: the next embargo end). When it passes, the first request bumps the scope and reads the next time
(one query, once), so an embargoed version appears the moment its embargo passes. Pages registered ``daily``
(deadlines computed against today) carry the local date in their key.

The cache being down costs speed, never a page: every cache call goes through ``portal.cache``. Generations never
expire (so a Redis with ``maxmemory-policy volatile-lru`` evicts pages, never generations or Celery's queues); a
generation that is missing is recreated and the pages stored before it stop matching.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers

from portal import cache as shared_cache
from portal import page_store
from portal.links import ATTRIBUTE as QUERY_PARAMS_ATTRIBUTE

logger = logging.getLogger(__name__)

SITE = "site"
HEADER = "X-Page-Cache"
PREFIX = "pc:"
DEFAULT_CACHE_CONTROL = "public, no-cache"
# Headers that are the cache's to set on every answer, never replayed from the stored response.
_NOT_STORED = frozenset({"content-length", "content-encoding", "etag", "set-cookie", HEADER.lower()})
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
_TOKEN_BYTES = 8

Scope = str | Callable[[dict[str, Any]], str | Iterable[str]]


@dataclass(frozen=True)
class Policy:
    scopes: tuple[Scope, ...]
    daily: bool
    # Seconds a stored page lives when the request has a free-text query (search results: many distinct keys).
    query_ttl_param: str | None


_POLICIES: dict[str, Policy] = {}
_CLOCKS: dict[str, Callable[[], float | None]] = {}


def register(view_name: str, *scopes: Scope, daily: bool = False, search_param: str | None = None) -> None:
    """Cache the anonymous responses of ``view_name`` (``namespace:name``), keyed on these scopes of public state.

    A scope is a name, or a function of the URL's keyword arguments returning one name or several.
    ``daily``: the page shows something computed against today's date. ``search_param``: the query parameter
    holding free text; pages with it set live ``PAGE_CACHE_SEARCH_SECONDS`` instead of ``CACHE_PAGE_SECONDS``."""
    _POLICIES[view_name] = Policy(scopes=(SITE, *scopes), daily=daily, query_ttl_param=search_param)


def register_clock(scope: str, next_change: Callable[[], float | None]) -> None:
    """``next_change()`` returns the POSIX time at which ``scope`` next changes without anyone acting (or None)."""
    _CLOCKS[scope] = next_change


def registered() -> dict[str, Policy]:
    return dict(_POLICIES)


# ----------------------------------------------------------------------------------------------- generations


def _generation_key(scope: str) -> str:
    return f"{PREFIX}gen:{scope}"


def _clock_key(scope: str) -> str:
    return f"{PREFIX}clock:{scope}"


def _token() -> str:
    return secrets.token_hex(_TOKEN_BYTES)


def bump_now(*scopes: str) -> None:
    """Give these scopes new generations: every stored page that shows them stops matching."""
    if scopes:
        page_store.current().set_state({_generation_key(s): _token() for s in set(scopes)})
    for scope in set(scopes) & set(_CLOCKS):
        _reset_clock(scope)


def bump(*scopes: str) -> None:
    """Bump these scopes once the current transaction commits (immediately outside one). Readers who render
    before the commit store pages under the old generations, which stop matching at the bump."""
    transaction.on_commit(functools.partial(bump_now, *scopes), robust=True)


def bump_all() -> None:
    """Every public page changes (the catalogue was imported, an administrator edited something)."""
    bump(SITE)


def _reset_clock(scope: str) -> None:
    next_change = _CLOCKS[scope]()
    page_store.current().set_state({_clock_key(scope): next_change or 0})


# ----------------------------------------------------------------------------------------------- middleware


@functools.lru_cache(maxsize=4096)
def _resolve(path_info: str, lang: str) -> tuple[str, tuple[tuple[str, Any], ...], frozenset[str]] | None:
    """(view name, URL kwargs, declared query parameters) of a registered page, or None. A pure function of the
    URLconf, memoised per process (nothing in it depends on data or on who asks)."""
    try:
        with translation.override(lang):
            match = resolve(path_info)
    except Resolver404:
        return None
    if match.view_name not in _POLICIES:
        return None
    func = match.func
    params = getattr(func, QUERY_PARAMS_ATTRIBUTE, None) or getattr(
        getattr(func, "view_class", None), QUERY_PARAMS_ATTRIBUTE, None
    )
    return match.view_name, tuple(sorted(match.kwargs.items())), frozenset(params or ())


def _clear_resolutions(**_kwargs: Any) -> None:
    _resolve.cache_clear()


setting_changed.connect(_clear_resolutions)


def _scope_names(policy: Policy, kwargs: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for scope in policy.scopes:
        if isinstance(scope, str):
            names.append(scope)
        else:
            produced = scope(kwargs)
            names.extend([produced] if isinstance(produced, str) else produced)
    return names


def private_state(request: HttpRequest) -> bool:
    """Does this request carry anything that makes its page someone's own (a session, pending messages, a token)?"""
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME in cookies
        or getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in cookies
        or "HTTP_AUTHORIZATION" in request.META
    )


@functools.lru_cache(maxsize=1)
def build_id() -> str:
    """What the bytes of a page depend on besides data: the release (code, templates, translations, static files).
    Pages stored by another release never match."""
    from portal import release

    return release.fingerprint()


class PageCacheMiddleware:
    """Serve and store anonymous public pages (see the module docstring). Place it after WhiteNoise and before
    GZipMiddleware's inner neighbours, sessions and authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        lang = translation.get_language_from_path(request.path_info)
        resolved = _resolve(request.path_info, lang) if lang else None
        if resolved is None:
            return self.get_response(request)
        if private_state(request):
            return _mark(self.get_response(request), "bypass")
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)
        view_name, kwargs, params = resolved
        policy = _POLICIES[view_name]
        scopes = _scope_names(policy, dict(kwargs))
        query = (
            sorted((k, v) for k in params for v in request.GET.getlist(k)) if request.META.get("QUERY_STRING") else []
        )
        gz = bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
        base = hashlib.sha256(repr((build_id(), request.scheme, host, lang, request.path, query)).encode()).hexdigest()[
            :40
        ]
        page_key = f"{PREFIX}page:{base}:{'gz' if gz else 'id'}"
        clocks = [s for s in scopes if s in _CLOCKS]
        state_keys = [*(_generation_key(s) for s in scopes), *(_clock_key(s) for s in clocks)]
        store = page_store.current()
        read = store.state(state_keys, page_key)
        if read is None:  # the cache is down
            return _mark(self.get_response(request), "bypass")
        found, prefetched = read
        clock = self._clocks(found, clocks)
        if clock == "busy":  # another request is moving that scope on right now
            return _mark(self.get_response(request), "bypass")
        vector = tuple(found.get(_generation_key(s)) for s in scopes)
        if clock == "moved" or None in vector:
            # A clock moved a scope on, or a generation was never set (or lost): set it, and read what is current,
            # before rendering.
            missing = [s for s, g in zip(scopes, vector, strict=True) if g is None]
            if missing:
                store.add_state({_generation_key(s): _token() for s in missing})
            current = store.reread([_generation_key(s) for s in scopes])
            vector = tuple(current.get(_generation_key(s)) for s in scopes)
            prefetched = page_store.NOT_READ
        if policy.daily:
            vector += (timezone.localdate().isoformat(),)
        entry = store.page(page_key, vector, prefetched) if None not in vector else None
        if entry is not None:
            return self._answer(request, entry, gz, "hit")
        response = self.get_response(request)
        if not _storable(response, request):
            return _mark(response, "bypass")
        if None in vector:  # the cache went away half-way
            return _mark(response, "bypass")
        searched = policy.query_ttl_param is not None and any(k == policy.query_ttl_param and v for k, v in query)
        ttl = settings.PAGE_CACHE_SEARCH_SECONDS if searched else settings.CACHE_PAGE_SECONDS
        entries = _entries(vector, response)
        store.store_pages({f"{PREFIX}page:{base}:{enc}": e for enc, e in entries.items()}, ttl)
        return self._answer(request, entries["gz" if gz else "id"], gz, "miss")

    @staticmethod
    def _clocks(found: dict[str, Any], clocks: list[str]) -> str:
        """ "moved" when a clock was unknown or had passed and this request bumped its scope (and read its next time),
        "busy" when another request is doing that, "" when every clock is ahead."""
        now = timezone.now().timestamp()
        state = ""
        for scope in clocks:
            value = found.get(_clock_key(scope))
            if value is None or (value and now >= value):
                if shared_cache.add(f"{PREFIX}clock-lock:{scope}", timeout=10):
                    bump_now(scope)
                    shared_cache.delete(f"{PREFIX}clock-lock:{scope}")
                    state = state or "moved"
                else:
                    return "busy"
        return state

    @staticmethod
    def _answer(request: HttpRequest, entry: tuple[Any, ...], gz: bool, outcome: str) -> HttpResponseBase:
        _vector, headers, tag, body = entry
        not_modified = get_conditional_response(request, etag=tag) if "HTTP_IF_NONE_MATCH" in request.META else None
        response: HttpResponseBase
        if not_modified is not None:
            response = not_modified
            for name, value in headers:
                if name.lower() in ("cache-control", "vary", "content-language"):
                    response[name] = value
        else:
            response = HttpResponse(b"" if request.method == "HEAD" else body)
            # The headers were checked by HttpResponse when the page was rendered: put them back as they are stored
            # (Django keeps them as {lower-case name: (name, value)}), not one by one through its checks again.
            response.headers._store.update({name.lower(): (name, value) for name, value in headers})
            response["Content-Length"] = str(len(body))
            if gz:
                response["Content-Encoding"] = "gzip"
        response["ETag"] = tag
        return _mark(response, outcome)


def _mark(response: HttpResponseBase, outcome: str) -> HttpResponseBase:
    response[HEADER] = outcome
    return response


def _storable(response: HttpResponseBase, request: HttpRequest) -> TypeGuard[HttpResponse]:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not isinstance(response, HttpResponse) or response.has_header("Content-Encoding"):
        return False
    control = response.get("Cache-Control", "").lower()
    if "private" in control or "no-store" in control:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _entries(vector: tuple[Any, ...], response: HttpResponse) -> dict[str, tuple[Any, ...]]:
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = DEFAULT_CACHE_CONTROL
    patch_vary_headers(response, ("Accept-Encoding",))
    body = response.content
    tag = response.get("ETag") or ('W/"' + hashlib.sha256(body).hexdigest()[:40] + '"')
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_STORED)
    return {
        "id": (vector, headers, tag, body),
        "gz": (vector, headers, tag, gzip.compress(body, compresslevel=6, mtime=0)),
    }
