"""Site-shell views: about page, health endpoint, profile and invitations."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal import audit, health, notifications, services
from portal.forms.accounts import AcceptInvitationForm, InvitationForm, ProfileForm
from portal.http import AuthenticatedHttpRequest
from portal.middleware import error_page
from portal.models import MailStatus, Organisation, OutgoingMail, User
from portal.permissions import is_moderator
from portal.two_factor import recent_login_required

logger = logging.getLogger(__name__)


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/about.html")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: database unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for load balancers and orchestrators: the database, the cache, the broker and the storage."""
    checks = health.readiness()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, only when METRICS_TOKEN is set and the scraper sends it (404 otherwise)."""
    expected = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not expected or not constant_time_compare(given, f"Bearer {expected}"):
        raise Http404
    from django_prometheus.exports import ExportToDjangoView

    return ExportToDjangoView(request)


# --------------------------------------------------------------------------- accounts


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]  # login_required
    before = {"full_name": user.full_name, "preferred_language": user.preferred_language}
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            changes: dict[str, Any] = {k: [v, getattr(user, k)] for k, v in before.items() if getattr(user, k) != v}
            for kind, change in notifications.set_preferences(user, form.notification_preferences()).items():
                changes[f"notifications:{kind}"] = change
            if changes:
                audit.record(action="portal.user.profile_updated", obj=user, actor=user, changes=changes)
        language = user.preferred_language
        translation.activate(language)
        messages.success(request, _("Your profile was saved."))
        response = redirect(translate_url(reverse("portal:profile"), language))
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=request.is_secure())
        return response
    return render(
        request,
        "portal/profile.html",
        {"form": form, "memberships": user.memberships.select_related("organisation")},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which says it worked and leaves an audit event (never the password)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(action="portal.user.password_changed", obj=form.user, actor=form.user)
        messages.success(self.request, _("Your password was changed."))
        return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@recent_login_required
def invitation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_moderator(request.user):
        raise Http404
    chosen = Organisation.objects.filter(slug=request.GET.get("organisation", "")[:80]).first()
    initial = {"language": translation.get_language(), "organisation": chosen.pk if chosen else None}
    form = InvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def accept_url(token: str) -> str:
            return request.build_absolute_uri(reverse("portal:invitation_accept", kwargs={"token": token}))

        invitation, _token = services.create_invitation(
            email=data["email"],
            organisation=data["organisation"],
            role=data["role"],
            language=data["language"],
            actor=request.user,
            accept_url_for=accept_url,
        )
        if invitation.needs_confirmation:
            messages.success(
                request,
                _("The invitation of %(email)s as moderator waits for a second moderator to confirm it.")
                % {"email": data["email"]},
            )
            return redirect("portal:people_list")
        messages.success(
            request,
            _("An invitation was sent to %(email)s. The link works once, for %(days)s days.")
            % {"email": data["email"], "days": settings.INVITATION_DAYS},
        )
        return redirect("portal:invitation_create")
    return render(request, "portal/invitation_form.html", {"form": form})


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.find_invitation(token)
    if invitation is None:
        raise Http404
    if not invitation.is_usable:
        return render(request, "portal/invitation_unusable.html", status=410)
    existing = User.objects.filter(email__iexact=invitation.email).exists()
    form = None if existing else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST":
        try:
            if existing:
                if not request.user.is_authenticated:
                    return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.path}, safe='/')}")
                _inv, user = services.accept_invitation(token=token, user=request.user)
            elif form is not None and form.is_valid():
                _inv, user = services.accept_invitation(
                    token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return render(request, "portal/invitation_accept.html", {"invitation": invitation, "form": form})
        except services.AccountError as exc:
            messages.error(request, exc.message)
            return render(request, "portal/invitation_accept.html", {"invitation": invitation, "form": form})
        if invitation.organisation is None:
            messages.success(request, _("Welcome to Observatorio 1325: you are now a moderator."))
        else:
            messages.success(
                request, _("Welcome to %(org)s on Observatorio 1325.") % {"org": invitation.organisation.name}
            )
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request, "portal/invitation_accept.html", {"invitation": invitation, "form": form, "existing": existing}
    )


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own 400s (a disallowed Host, too many fields) look like the site's, or are JSON under /api/."""
    return error_page(request, 400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the reader's language, or JSON under /api/ (the same body whether the object is missing or private)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", {"canonical_url": None}, status=404)  # language links: portal/links.py


@never_cache
@login_required
@require_safe
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Moderators see the mail that could not be delivered (and what still waits), never the bodies."""
    if not is_moderator(request.user):
        raise Http404
    failed = OutgoingMail.objects.filter(status=MailStatus.FAILED).order_by("-created_at")
    waiting = OutgoingMail.objects.filter(status=MailStatus.PENDING, attempts__gt=0).order_by("next_attempt_at")
    return render(
        request,
        "portal/outbox.html",
        {"failed": failed[:200], "waiting": waiting[:200], "failed_count": failed.count()},
    )


@login_required
@require_POST
def outbox_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not is_moderator(request.user):
        raise Http404
    mail = get_object_or_404(OutgoingMail.objects.exclude(status=MailStatus.SENT), pk=pk)
    try:
        services.retry_mail(mail=mail, actor=request.user)
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The e-mail to %(to)s will be sent again now.") % {"to": mail.to})
    return redirect("portal:outbox")
