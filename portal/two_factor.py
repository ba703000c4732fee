"""Two-factor authentication (TOTP apps, single-use recovery codes) and re-authentication for sensitive actions."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit
from portal.forms.two_factor import ReauthForm, TokenForm
from portal.models import User
from portal.permissions import needs_two_factor

RECOVERY_CODES = 10
AUTH_AT = "auth_at"


def mark_authenticated(request: HttpRequest) -> None:
    request.session[AUTH_AT] = time.time()


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def recent_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sensitive actions (publishing, changing roles) need a password entered in the last few minutes."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        auth_at = request.session.get(AUTH_AT, 0)
        if time.time() - auth_at > settings.REAUTHENTICATION_MAX_AGE:
            back = request.META.get("HTTP_REFERER") or request.path
            if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
                back = request.path
            messages.info(request, _("For this action, confirm it is you."))
            return redirect(f"{reverse('portal:reauthenticate')}?{urlencode({'next': back}, safe='/')}")
        return view(request, *args, **kwargs)

    return wrapped


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@never_cache
@login_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed is not None:
        remaining = StaticToken.objects.filter(device__user=user).count()
        return render(
            request,
            "portal/two_factor_status.html",
            {
                "device": confirmed,
                "remaining": remaining,
                "required": needs_two_factor(user) and settings.TWO_FACTOR_REQUIRED,
            },
        )
    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "authenticator"})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                codes = _new_recovery_codes(user)
                audit.record(action="portal.user.two_factor_enabled", obj=user, actor=user)
            otp_login(request, device)
            request.session.cycle_key()  # a new session key once the second factor is proven, as at login
            mark_authenticated(request)
            return render(request, "portal/two_factor_codes.html", {"codes": codes})
        form.add_error("token", _("That code is not valid. Check the time on your phone and try the current code."))
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "portal/two_factor_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


@never_cache
@login_required
@require_http_methods(["POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("portal:two_factor_verify")
    codes = _new_recovery_codes(user)
    audit.record(action="portal.user.recovery_codes_renewed", obj=user, actor=user)
    return render(request, "portal/two_factor_codes.html", {"codes": codes})


@never_cache
@login_required
@require_http_methods(["POST"])
def disable(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if settings.TWO_FACTOR_REQUIRED and needs_two_factor(user):
        messages.error(request, _("Your role requires two-factor authentication, so it cannot be turned off."))
        return redirect("portal:two_factor_setup")
    if not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("portal:two_factor_verify")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(action="portal.user.two_factor_disabled", obj=user, actor=user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("portal:profile")


@never_cache
@login_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not user_has_device(user):
        return redirect("portal:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])  # a used TOTP or recovery code never matches again
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a key seen before the second factor must not become a verified session
            mark_authenticated(request)
            return redirect(_safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
        form.add_error("token", _("That code is not valid or was already used."))
    return render(request, "portal/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")})


@never_cache
@login_required
@sensitive_post_parameters("password", "token")
@require_http_methods(["GET", "HEAD", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    has_device = user_has_device(user)
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Through the authentication backends, so that axes counts (and locks) wrong passwords here too.
        found = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"])
        ok = found is not None and found.pk == user.pk
        if ok and has_device:
            ok = match_token(user, "".join(form.cleaned_data["token"].split())) is not None
        if ok:
            mark_authenticated(request)
            return redirect(_safe_next(request, reverse("portal:profile")))
        form.add_error(None, _("The password or the code is not right."))
    return render(
        request, "portal/reauthenticate.html", {"form": form, "has_device": has_device, "next": _safe_next(request, "")}
    )
