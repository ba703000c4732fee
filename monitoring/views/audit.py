"""The site-wide audit log for moderators (404 for anyone else): filter, page through, download as CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from monitoring.audit_labels import kind_label, label_for, readable_changes, reason_for
from monitoring.exports.audit import audit_csv, mask_drafts
from monitoring.forms.audit import AuditFilterForm
from monitoring.permissions import require_moderator
from monitoring.services.audit_log import record_export
from portal.http import AuthenticatedHttpRequest
from portal.links import kept_params, query_params
from portal.models import AuditEvent

PAGE = 50


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    form = AuditFilterForm(request.GET or None)
    return form, form.apply(AuditEvent.objects.select_related("actor"))


@query_params(AuditFilterForm.base_fields, "page")
@never_cache
@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form, events = _filtered(request)
    page = Paginator(events.order_by("-created_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    shown = list(page)
    submitted = mask_drafts(shown)
    for event in shown:
        uuid = submitted.get(event.object_id) if event.object_type == "monitoring.evidence" else None
        event.url = reverse("monitoring:moderation_item", kwargs={"uuid": uuid}) if uuid else ""  # type: ignore[attr-defined]
        event.label = label_for(event.action)  # type: ignore[attr-defined]
        event.kind = kind_label(event.object_type)  # type: ignore[attr-defined]
        event.reason_shown = reason_for(event.reason)  # type: ignore[attr-defined]
        event.changes_shown = readable_changes(event.object_type, event.changes)  # type: ignore[attr-defined]
    query = kept_params(request)
    query.pop("page", None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "monitoring/audit_log.html",
        {"form": form, "page": page, "events": shown, "query": query.urlencode()},
        status=status,
    )


@query_params(AuditFilterForm.base_fields)
@never_cache
@login_required
@require_safe
def audit_log_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The events the page's filters select, every page of them; refused (the page, with its errors) while a
    filter is invalid."""
    require_moderator(request.user)
    form, events = _filtered(request)
    if form.is_bound and not form.is_valid():
        return audit_log(request)
    query = kept_params(request)
    exported = record_export(actor=request.user, filters=query.urlencode())
    # The trail as it stood when asked for: not the export's own record, nor what happens while it downloads.
    events = events.filter(pk__lt=exported.pk)
    lang = translation.get_language() or "es"
    response = StreamingHttpResponse(audit_csv(events, lang), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="observatorio1325-audit-{stamp}.csv"'
    return response
