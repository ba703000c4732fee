"""Account and request safety applied to every request."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_otp import user_has_device

from portal.login_throttle import LOGIN_AT
from portal.permissions import needs_two_factor

# Paths a person with unfinished two-factor set-up may still reach.
EXEMPT_SUFFIXES = ("/accounts/two-factor/", "/accounts/two-factor/verify/", "/accounts/logout/", "/accounts/login/")


class RequestSizeLimitMiddleware:
    """Refuse oversized request bodies with 413 before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("Malformed request."), status=400, content_type="text/plain; charset=utf-8")
        if length > settings.MAX_REQUEST_SIZE:
            return HttpResponse(
                _("The request is too large. Send fewer or smaller files."),
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


# C0 control characters and DEL. No legitimate address carries one, and PostgreSQL refuses NUL in text.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
# In a query value a tab or a line break is harmless (a spreadsheet cell pasted into a search box keeps its tab).
QUERY_VALUE_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ControlCharacterMiddleware:
    """Refuse addresses carrying control characters before anything can put them in a database query.

    A path with one is a 404 and a query string with one a 400: the site's own page in the reader's language, or
    DRF-shaped JSON under /api/. A cookie with one is dropped, as if the browser had not sent it (a session key
    with NUL would otherwise reach the session table). Form bodies are left to the forms: their text fields refuse
    NUL with a validation message and keep tabs and line breaks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if CONTROL_CHARACTERS.search(request.path):
            return error_page(request, 404)
        for key, values in request.GET.lists():
            if CONTROL_CHARACTERS.search(key) or any(QUERY_VALUE_CONTROL_CHARACTERS.search(v) for v in values):
                return error_page(request, 400)
        for name, value in list(request.COOKIES.items()):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                del request.COOKIES[name]
        return self.get_response(request)


def error_page(request: HttpRequest, status: int, message: str = "") -> HttpResponse:
    """The site's 404, 400 or 503 page in the reader's language, or DRF-shaped JSON under /api/.

    Safe before any other middleware ran: it needs no session, user or database (without a user the page is the
    anonymous one), and no valid Host. ``message`` replaces the page's general explanation (503).
    """
    language = translation.get_language_from_path(request.path_info) or translation.get_language_from_request(request)
    with translation.override(language):
        if request.path.startswith("/api/"):
            details = {404: _("Not found."), 503: _("Temporarily unavailable. Try again in a few minutes.")}
            detail = message or details.get(status, _("Malformed request."))
            response: HttpResponse = JsonResponse({"detail": detail}, status=status)
        else:
            context = {"language_alternates": _home_pages(request), "canonical_url": None, "message": message}
            response = render(request, f"{status}.html", context, status=status)
    response.headers["Content-Language"] = language
    return response


def _home_pages(request: HttpRequest) -> list[dict[str, object]]:
    """Language links to each home page: an error page must not repeat a hostile address in its links."""
    try:
        request.get_host()
    except DisallowedHost:
        return []  # base.html writes the host into the alternate links
    current = translation.get_language()
    pages = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            pages.append({"code": code, "name": name, "url": reverse("home"), "current": code == current})
    return pages


class AccountSecurityMiddleware:
    """Absolute and idle timeouts, two-factor enforcement (moderators, reviewers, staff), no caching of personal pages.

    The absolute timeout counts from the login time stored in the session (portal.login_throttle.on_logged_in);
    a session without one predates it and ends too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            login_at = request.session.get(LOGIN_AT)
            if not isinstance(login_at, (int, float)) or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                messages.info(
                    request,
                    _("For your safety a session lasts at most %(hours)s hours. Log in again.")
                    % {"hours": round(settings.SESSION_ABSOLUTE_TIMEOUT / 3600, 1)},
                )
                return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.path}, safe='/')}")
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity. Log in again."))
                return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.path}, safe='/')}")
            request.session["last_seen"] = now
            response = self._two_factor(request)
            if response is not None:
                return response
        response = self.get_response(request)
        if getattr(request.user, "is_authenticated", False) or "/accounts/" in request.path:
            patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
        return response

    def _two_factor(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.endswith(EXEMPT_SUFFIXES) or not request.path.startswith(("/es/", "/en/")):
            return None
        user = request.user
        if user.is_verified():  # type: ignore[union-attr]
            return None

        if user_has_device(user):
            return redirect(f"{reverse('portal:two_factor_verify')}?{urlencode({'next': request.path}, safe='/')}")
        if settings.TWO_FACTOR_REQUIRED and needs_two_factor(user):
            messages.info(request, _("Your role requires a second factor to protect your account. Set it up now."))
            return redirect("portal:two_factor_setup")
        return None
