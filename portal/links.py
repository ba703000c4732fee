"""Links to the page being shown (language switch, hreflang alternates, canonical link), built from what Django
resolved, never from the address as the reader typed it.

The path comes from ``reverse()`` of the resolved view in each language, so an address the URLconf did not match
(``//evil.example/``, ``/%2F%2Fevil.example/``) gets links to the home pages instead of an echo of itself, and
``reverse()`` never produces a scheme-relative ``//`` path. The query string keeps only the parameters the view
declares with ``@query_params(...)`` (the fields of its filter form, its page number): ``?utm_source=…`` and the
like never reach a link, and so never a cached page. Declaring on the view, not at run time on the request, means
the page's context processor knows the allow-list even when the view raised ``Http404`` half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

ATTRIBUTE = "link_query_params"
# Parameters that name a place to go next: kept only when they lead back into the portal.
NEXT_PARAMETERS = frozenset({"next"})

View = TypeVar("View", bound=Callable[..., Any])


def query_params(*names: str | Iterable[str]) -> Callable[[View], View]:
    """Declare the query parameters that links to this view keep (strings, or iterables such as a form's
    ``base_fields``). Apply it outermost, or to the result of ``as_view()``."""
    allowed: set[str] = set()
    for name in names:
        allowed.update([name] if isinstance(name, str) else name)

    def decorate(view: View) -> View:
        setattr(view, ATTRIBUTE, frozenset(allowed))
        return view

    return decorate


def allowed_params(request: HttpRequest) -> frozenset[str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return frozenset()
    func = match.func
    names: Iterable[str] | None = getattr(func, ATTRIBUTE, None)
    if names is None:
        names = getattr(getattr(func, "view_class", None), ATTRIBUTE, None)
    return frozenset(names or ())


def _safe_next(value: str) -> bool:
    return (
        value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(value, allowed_hosts=None)
    )


def kept_params(request: HttpRequest) -> QueryDict:
    """The request's query parameters that its view declares (a mutable copy: pagination links pop "page")."""
    names = allowed_params(request)
    kept = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in names:
            continue
        if key in NEXT_PARAMETERS:
            values = [v for v in values if _safe_next(v)]
        if values:
            kept.setlist(key, values)
    return kept


def kept_query(request: HttpRequest) -> str:
    """The request's query string with only the parameters its view declares (encoded, without the "?")."""
    return kept_params(request).urlencode()


def page_in(request: HttpRequest, code: str) -> str | None:
    """The path (and kept query string) of this page in language ``code``; None if Django resolved no view."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return None
    with translation.override(code):
        try:
            path = reverse(match.view_name, args=match.args, kwargs=match.captured_kwargs)
        except NoReverseMatch:
            return None
    query = kept_query(request)
    return f"{path}?{query}" if query else path


def home_in(code: str) -> str:
    with translation.override(code):
        return reverse("home")


def language_alternates(request: HttpRequest) -> list[dict[str, object]]:
    """This page in every language (each language's home page when the address matched no page)."""
    current = translation.get_language() or settings.LANGUAGE_CODE
    return [
        {"code": code, "name": name, "url": page_in(request, code) or home_in(code), "current": code == current}
        for code, name in settings.LANGUAGES
    ]


def canonical_url(request: HttpRequest) -> str | None:
    """The absolute address of this page in the current language, or None for an address that matched no page."""
    path = page_in(request, translation.get_language() or settings.LANGUAGE_CODE)
    if path is None:
        return None
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:  # the 400 page for a hostile Host header repeats no host
        return None
