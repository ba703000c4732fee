"""An embargoed version's page in the workspace: move or lift the embargo (two reviewers), private preview links.

For the reviewers of the report's authoring organisations (404 for everyone else). Each verb is a POST-only URL
that posts from this page, calls one service and comes back; a refused verb shows the page again (409 when
another reviewer changed the embargo in between).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from monitoring.forms.embargo import EmbargoChangeForm, PreviewLinkForm
from monitoring.models import EmbargoChangeStatus, ReportVersion
from monitoring.permissions import get_version_for_author
from monitoring.services import embargo as embargo_service
from monitoring.views.reports import embargo_words
from portal.http import AuthenticatedHttpRequest, expected_version, refusal
from portal.two_factor import recent_login_required


def _page(
    request: AuthenticatedHttpRequest,
    version: ReportVersion,
    *,
    change_form: EmbargoChangeForm | None = None,
    link_form: PreviewLinkForm | None = None,
    new_link: str = "",
    status: int = 200,
) -> HttpResponse:
    version.refresh_from_db(fields=["public_from"])
    pending = version.embargo_changes.filter(status=EmbargoChangeStatus.PENDING).select_related("requested_by").first()
    if change_form is None:
        initial: dict[str, Any] = {"action": "move"}
        if version.public_from:
            initial["public_from"] = timezone.localtime(version.public_from).replace(tzinfo=None)
        change_form = EmbargoChangeForm(initial=initial)
    links = list(version.preview_links.select_related("created_by", "revoked_by").order_by("-created_at"))
    now = timezone.now()
    for link in links:
        link.active = link.is_active(now)  # type: ignore[attr-defined]
        link.expires_words = embargo_words(link.expires_at)  # type: ignore[attr-defined]
    response = render(
        request,
        "monitoring/report_version_embargo.html",
        {
            "report": version.report,
            "version": version,
            "embargoed": not version.is_public,
            "embargo_end": embargo_words(version.public_from) if version.public_from else "",
            "pending": pending,
            "pending_end": embargo_words(pending.public_from) if pending and pending.public_from else "",
            "can_approve": pending is not None and pending.requested_by_id != request.user.pk,
            "change_form": change_form,
            "link_form": link_form or PreviewLinkForm(),
            "links": links,
            "new_link": new_link,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _back(version: ReportVersion) -> str:
    return reverse("monitoring:report_embargo", kwargs={"uuid": version.report.uuid, "number": version.number})


@never_cache
@login_required
@require_safe
def embargo(request: AuthenticatedHttpRequest, uuid: str, number: int) -> HttpResponse:
    return _page(request, get_version_for_author(request.user, uuid, number))


@never_cache
@login_required
@require_POST
@recent_login_required
def embargo_request(request: AuthenticatedHttpRequest, uuid: str, number: int) -> HttpResponse:
    version = get_version_for_author(request.user, uuid, number)
    form = EmbargoChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The embargo change was not requested: see the reason below."))
        return _page(request, version, change_form=form)
    with refusal(request) as refused:
        embargo_service.request_embargo_change(
            version=version, actor=request.user, public_from=form.new_public_from(), note=form.cleaned_data["note"]
        )
        messages.success(request, _("Embargo change requested. Another reviewer must approve it."))
        return redirect(_back(version))
    return _page(request, version, change_form=form, status=refused.status)


def _decide(request: AuthenticatedHttpRequest, uuid: str, number: int, approve: bool) -> HttpResponse:
    version = get_version_for_author(request.user, uuid, number)
    change_id = expected_version(request)  # the pending change this reviewer saw (hidden input "version")
    with refusal(request) as refused:
        if approve:
            version = embargo_service.approve_embargo_change(version=version, actor=request.user, change_id=change_id)
            if version.is_public:
                messages.success(request, _("Embargo lifted: version %(number)s is public.") % {"number": number})
            else:
                messages.success(
                    request,
                    _("Version %(number)s rescheduled for %(when)s (Mexico City time).")
                    % {"number": number, "when": embargo_words(version.public_from)},
                )
        else:
            embargo_service.cancel_embargo_change(version=version, actor=request.user, change_id=change_id)
            messages.info(request, _("The embargo change was withdrawn."))
        return redirect(_back(version))
    return refused.response(lambda status: _page(request, version, status=status), _back(version))


@login_required
@require_POST
@recent_login_required
def embargo_approve(request: AuthenticatedHttpRequest, uuid: str, number: int) -> HttpResponse:
    return _decide(request, uuid, number, approve=True)


@login_required
@require_POST
@recent_login_required
def embargo_cancel(request: AuthenticatedHttpRequest, uuid: str, number: int) -> HttpResponse:
    return _decide(request, uuid, number, approve=False)


@never_cache
@login_required
@require_POST
@recent_login_required
def preview_link_create(request: AuthenticatedHttpRequest, uuid: str, number: int) -> HttpResponse:
    """Creates a link and shows it once, on this response (never stored, never put in a message or a log)."""
    version = get_version_for_author(request.user, uuid, number)
    form = PreviewLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The preview link was not created: see the reason below."))
        return _page(request, version, link_form=form)
    with refusal(request) as refused:
        _link, token = embargo_service.create_preview_link(
            version=version, actor=request.user, label=form.cleaned_data["label"], days=form.cleaned_data["days"]
        )
        url = request.build_absolute_uri(reverse("monitoring:report_preview_link", kwargs={"token": token}))
        response = _page(request, version, new_link=url)
        response["Referrer-Policy"] = "no-referrer"
        return response
    return _page(request, version, link_form=form, status=refused.status)


@login_required
@require_POST
@recent_login_required
def preview_link_revoke(request: AuthenticatedHttpRequest, uuid: str, number: int, link: str) -> HttpResponse:
    version = get_version_for_author(request.user, uuid, number)
    found = version.preview_links.filter(uuid=link).first()
    if found is None:
        raise Http404
    with refusal(request):
        embargo_service.revoke_preview_link(link=found, actor=request.user)
        messages.success(request, _("The preview link for %(label)s no longer works.") % {"label": found.label})
    return redirect(_back(version))
