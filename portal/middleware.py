"""Account and request safety applied to every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

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


class AccountSecurityMiddleware:
    """Idle timeout, two-factor enforcement for moderators and reviewers, and no caching of personal pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = time.time()
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity. Log in again."))
                return redirect(f"{reverse('portal:login')}?next={request.path}")
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
        from django_otp import user_has_device

        if user_has_device(user):
            return redirect(f"{reverse('portal:two_factor_verify')}?next={request.path}")
        if settings.TWO_FACTOR_REQUIRED and needs_two_factor(user):
            messages.info(
                request, _("Moderators and reviewers protect their accounts with a second factor. Set it up now.")
            )
            return redirect("portal:two_factor_setup")
        return None
