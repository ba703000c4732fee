"""Moderators' pages: the queue, an item with its decisions, bulk approval, the site-wide audit log."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring.audit_labels import label_for
from monitoring.forms.filters import AuditFilterForm, QueueFilterForm
from monitoring.forms.moderation import BulkApprovalForm
from monitoring.models import Evidence, EvidenceStatus, Indicator, ModerationEntry
from monitoring.permissions import get_evidence_for_moderator, require_moderator
from monitoring.services import moderation
from monitoring.services.evidence import EvidenceError
from portal.http import AuthenticatedHttpRequest, expected_version, refusal
from portal.links import kept_params, query_params
from portal.models import AuditEvent, MailStatus, OutgoingMail

QUEUE_PAGE = 50


@query_params(QueueFilterForm.base_fields, "page")
@never_cache
@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = QueueFilterForm(request.GET or None)
    status = form.shown_status
    items = (
        form.apply(Evidence.objects.ever_submitted())
        .distinct()
        .select_related("organisation", "submitted_by")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.only("pk", "code")))
        .annotate(file_count=Count("attachments", distinct=True))
        .order_by("submitted_at", "pk")
    )
    week_ago = timezone.now() - dt.timedelta(days=7)
    counts = Evidence.objects.aggregate(
        waiting=Count("pk", filter=Q(status=EvidenceStatus.SUBMITTED)),
        waiting_week=Count("pk", filter=Q(status=EvidenceStatus.SUBMITTED, submitted_at__lte=week_ago)),
        changes=Count("pk", filter=Q(status=EvidenceStatus.CHANGES_REQUESTED)),
    )
    page = Paginator(items, QUEUE_PAGE).get_page(request.GET.get("page"))
    query = kept_params(request)
    query.pop("page", None)
    return render(
        request,
        "monitoring/moderation_queue.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "status": status,
            "query": query.urlencode(),
            "failed_mail_count": OutgoingMail.objects.filter(status=MailStatus.FAILED).count(),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_moderator(request.user, uuid)
    if request.method == "POST":
        with refusal(request) as refused:
            evidence = moderation.decide_evidence(
                evidence=evidence,
                actor=request.user,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
                expected_version=expected_version(request),
            )
        if refused.error is not None:  # 409 when another decision won the race (AlreadyDecided is a StaleVersion)
            if refused.conflict:
                evidence.refresh_from_db()  # the page shows the item as it is now
            return render(
                request, "monitoring/moderation_item.html", _item_context(evidence, request), status=refused.status
            )
        messages.success(request, _("Decision recorded: %(status)s.") % {"status": evidence.get_status_display()})
        next_item = (
            Evidence.objects.filter(status=EvidenceStatus.SUBMITTED)
            .exclude(submitted_by_id=request.user.pk)
            .order_by("submitted_at", "pk")
            .first()
        )
        if request.POST.get("then") == "next" and next_item is not None:
            return redirect("monitoring:moderation_item", uuid=next_item.uuid)
        return redirect("monitoring:moderation_queue")
    return render(request, "monitoring/moderation_item.html", _item_context(evidence, request))


def _item_context(evidence: Evidence, request: HttpRequest) -> dict[str, object]:
    history = list(
        AuditEvent.objects.filter(object_type="monitoring.evidence", object_id=str(evidence.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    for event in history:
        event.label = label_for(event.action)  # type: ignore[attr-defined]
    return {
        "evidence": evidence,
        "indicators": evidence.indicators.select_related("plan").order_by("position"),
        "attachments": evidence.attachments.select_related("uploaded_by").order_by("created_at"),
        "regions": evidence.regions.all(),
        "institutions": evidence.institutions.all(),
        "entries": ModerationEntry.objects.filter(evidence=evidence)
        .select_related("author")
        .order_by("created_at", "pk"),
        "history": history,
        "own": evidence.submitted_by_id == request.user.pk,
        "reason": request.POST.get("reason", "") if request.method == "POST" else "",
        # Ticked on a fresh page; after a refused decision, as the moderator left it.
        "then_next": request.POST.get("then") == "next" if request.method == "POST" else True,
    }


@login_required
@require_POST
def bulk_approve(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = BulkApprovalForm(request.POST, max_items=QUEUE_PAGE)
    approved, refused = 0, []
    for evidence in Evidence.objects.filter(uuid__in=form.ticked()):
        try:
            moderation.approve_evidence(evidence=evidence, actor=request.user)
            approved += 1
        except EvidenceError as exc:
            refused.append(f"“{evidence.title}”: {exc.message}")
    if approved:
        messages.success(request, _("%(count)s item(s) approved.") % {"count": approved})
    for message in refused:
        messages.error(request, message)
    if not approved and not refused:
        messages.info(request, _("Tick the items to approve first."))
    return redirect(f"{reverse('monitoring:moderation_queue')}?{form.queue_query()}")


def _mask_drafts(events: list[AuditEvent]) -> None:
    """Drafts are private to their organisation, moderators included: hide what their events recorded."""
    ids = {e.object_id for e in events if e.object_type == "monitoring.evidence"}
    submitted = {str(pk) for pk in Evidence.objects.filter(pk__in=ids).ever_submitted().values_list("pk", flat=True)}
    for event in events:
        if event.object_type == "monitoring.evidence" and event.object_id not in submitted:
            event.object_repr = _("(a draft)")
            event.changes = {}
            event.reason = ""


@query_params(AuditFilterForm.base_fields, "page")
@never_cache
@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = AuditFilterForm(request.GET or None)
    events = form.apply(AuditEvent.objects.select_related("actor"))
    page = Paginator(events.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    _mask_drafts(list(page))
    query = kept_params(request)
    query.pop("page", None)
    return render(request, "monitoring/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})
