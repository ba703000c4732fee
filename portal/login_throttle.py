"""Login throttling on top of django-axes: a limit per address and a separate one per account, and unlock links.

Axes records every failed password (one row per account, address and user agent). Its own rule applies one limit
to each lockout parameter; this handler gives each its own limit and window:

- per address: ``AXES_FAILURE_LIMIT`` failures from one address, whatever the accounts, within
  ``LOGIN_COOLOFF_MINUTES`` pause that address;
- per account: ``LOGIN_ACCOUNT_LIMIT`` failures for one account, whatever the addresses, within
  ``LOGIN_ACCOUNT_WINDOW_MINUTES`` lock the account, so an attacker rotating addresses gets no more guesses.

A failure without a username counts for its address only, and a successful login clears the failures of that
account only (never those of the address, which would let someone with an account of their own wipe the count of
the account they attack from the same address). Usernames are compared as the login compares them (case and
surrounding spaces ignored).

An attacker must not be able to keep the owner out: when an account locks, its owner is e-mailed (in their
language, at most one live link at a time) a single-use link valid ``LOGIN_UNLOCK_MINUTES``. Using it clears the
account's failures and lets that browser past the account's lock (not an address's) for as long again, however
many guesses follow. A password reset does the same.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

LOGIN_AT = "login_at"  # when the password was entered at login (the absolute session timeout counts from it)
UNLOCK_GRANT = "login_unlocked"  # {"username": …, "until": epoch seconds}: this browser is past the account lock


def normalise(username: object) -> str | None:
    value = str(username or "").strip().lower()[:254]
    return value or None


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the address as the login compares it, None when there is none."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalise(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalise(data.get(field))


def _failures(**filters: Any) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"] or 0


def address_failures(ip_address: str | None) -> int:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    return _failures(ip_address=ip_address, attempt_time__gte=since) if ip_address else 0


def account_failures(username: str | None) -> int:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_ACCOUNT_WINDOW_MINUTES)
    return _failures(username=username, attempt_time__gte=since) if username else 0


def is_granted(request: HttpRequest, username: str | None) -> bool:
    session = getattr(request, "session", None)
    grant = session.get(UNLOCK_GRANT) if session is not None else None
    return bool(
        username
        and isinstance(grant, dict)
        and grant.get("username") == username
        and grant.get("until", 0) > time.time()
    )


def grant(request: HttpRequest, username: str) -> None:
    """Let this browser past the lock of ``username``'s account for a while (after an unlock link or a reset)."""
    request.session[UNLOCK_GRANT] = {
        "username": normalise(username),
        "until": time.time() + settings.LOGIN_UNLOCK_MINUTES * 60,
    }


def account_locked(request: HttpRequest, username: str | None) -> bool:
    return account_failures(username) >= settings.LOGIN_ACCOUNT_LIMIT and not is_granted(request, username)


def clear_account(username: str | None) -> int:
    """Forget the failed logins of one account (all addresses). Returns how many attempt rows went."""
    username = normalise(username)
    if not username:
        return 0
    deleted, _rows = AccessAttempt.objects.filter(username=username).delete()
    return deleted


class PortalAxesHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes's database handler with the two limits above."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Axes locks when this reaches AXES_FAILURE_LIMIT (the address's limit): a locked account reports that.
        failures = address_failures(getattr(request, "axes_ip_address", None))
        if account_locked(request, get_client_username(request, credentials)):
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        return clear_account(get_client_username(request, credentials))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the same page whether or not the address has an account."""
    account = account_locked(request, get_client_username(request, credentials))
    minutes = settings.LOGIN_ACCOUNT_WINDOW_MINUTES if account else settings.LOGIN_COOLOFF_MINUTES
    context = {"account_locked": account, "minutes": minutes}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)


def send_unlock_link(request: HttpRequest, username: str) -> bool:
    """E-mail the owner of a locked account a single-use unlock link, unless a live one is out already."""
    from portal import audit
    from portal.mail import queue_mail
    from portal.models import AccountUnlock, User
    from portal.services import hash_token

    user = User.objects.filter(email__iexact=username, is_active=True).first()
    if user is None:
        return False
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one link even when locked attempts race
        if AccountUnlock.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).exists():
            return False
        AccountUnlock.objects.create(
            user=user, token_hash=hash_token(token), expires_at=now + timedelta(minutes=settings.LOGIN_UNLOCK_MINUTES)
        )
        language = user.preferred_language or settings.LANGUAGE_CODE
        with translation.override(language):
            url = request.build_absolute_uri(reverse("portal:account_unlock", kwargs={"token": token}))
        queue_mail(
            to=user.email,
            template="portal/email/account_unlock",
            context={"minutes": settings.LOGIN_UNLOCK_MINUTES, "window": settings.LOGIN_ACCOUNT_WINDOW_MINUTES},
            language=language,
            secrets={"url": url},
        )
        audit.record(action="portal.user.locked_out", obj=user, reason="too many failed logins for the account")
    return True


def on_locked_out(
    sender: object, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    """Axes's ``user_locked_out`` (sent at the lock and at every refused attempt after it)."""
    username = normalise(username)
    if request is not None and username and account_locked(request, username):
        send_unlock_link(request, username)


def on_logged_in(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Start the absolute session timeout; an unlock grant has done its job."""
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = time.time()
        request.session.pop(UNLOCK_GRANT, None)


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in

    user_locked_out.connect(on_locked_out, weak=False, dispatch_uid="portal.login_throttle.locked_out")
    user_logged_in.connect(on_logged_in, weak=False, dispatch_uid="portal.login_throttle.logged_in")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unlock(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: a page with a button (mail scanners that open links do not use it up), then the unlock."""
    from portal import audit
    from portal.models import AccountUnlock
    from portal.services import hash_token

    link = AccountUnlock.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if link is None:
        raise Http404
    gone = render(request, "portal/account_unlock_unusable.html", status=410)
    if not link.is_usable or not link.user.is_active:
        return gone
    if request.method == "POST":
        with transaction.atomic():
            link = AccountUnlock.objects.select_for_update().select_related("user").get(pk=link.pk)
            if not link.is_usable:
                return gone
            link.used_at = timezone.now()
            link.save(update_fields=["used_at"])
            clear_account(link.user.email)
            audit.record(action="portal.user.unlocked", obj=link.user, actor=link.user, reason="unlock link")
        grant(request, link.user.email)
        messages.success(request, _("Your account is unlocked. Log in now."))
        return redirect("portal:login")
    return render(request, "portal/account_unlock.html")


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the e-mailed reset link unlocks the account too."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        username = form.user.get_username()
        clear_account(username)
        grant(self.request, username)
        return response
