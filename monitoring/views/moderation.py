"""Moderators' pages: the queue (with claims), an item with its decisions, thread, internal notes, previews and
possible duplicates, bulk approval, the site-wide audit log; and the one thread verb members use too."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring import duplicates, previews
from monitoring.audit_labels import label_for
from monitoring.forms.filters import QueueFilterForm
from monitoring.forms.moderation import BulkApprovalForm, CommentForm, DuplicateForm, ReliabilityForm, VisibilityForm
from monitoring.models import DuplicateMark, Evidence, EvidenceKind, EvidenceStatus, Indicator, ModerationEntry
from monitoring.permissions import (
    get_evidence_for_conversation,
    get_evidence_for_moderator,
    get_preview_page_for_user,
    require_moderator,
)
from monitoring.services import conversations, moderation
from monitoring.services.evidence import EvidenceError
from monitoring.views import workspace
from portal.http import AuthenticatedHttpRequest, expected_version, refusal
from portal.links import kept_params, query_params
from portal.models import AuditEvent, MailStatus, OutgoingMail
from portal.permissions import is_moderator
from portal.storage import serves_files

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
    claims = conversations.claims_by_item([item.pk for item in page])
    for entry in page:
        entry.claim = claims.get(entry.pk)  # type: ignore[attr-defined]
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
        decision = request.POST.get("decision", "")
        reliability = ReliabilityForm(request.POST) if decision == "approve" else None
        if reliability is not None and not reliability.is_valid():  # both values are required to approve
            return _item_page(request, evidence, reliability_form=reliability)
        with refusal(request) as refused:
            if reliability is not None:
                evidence = moderation.approve_assessed(
                    evidence=evidence,
                    actor=request.user,
                    note=request.POST.get("reason", ""),
                    expected_version=expected_version(request),
                    source_reliability=reliability.cleaned_data["source_reliability"],
                    information_credibility=reliability.cleaned_data["information_credibility"],
                    confirm_claim=request.POST.get("confirm_claim") == "yes",
                )
            else:
                evidence = conversations.decide(
                    evidence=evidence,
                    actor=request.user,
                    decision=decision,
                    reason=request.POST.get("reason", ""),
                    expected_version=expected_version(request),
                    confirm_claim=request.POST.get("confirm_claim") == "yes",
                )
        if refused.error is not None:  # 409 when another decision won the race (AlreadyDecided is a StaleVersion)
            if refused.conflict:
                evidence.refresh_from_db()  # the page shows the item as it is now
                return _item_page(request, evidence, status=refused.status)
            kept = {"reliability_form": reliability} if reliability is not None else {}  # as she chose them
            return _item_page(request, evidence, status=refused.status, **kept)
        messages.success(request, _("Decision recorded: %(status)s.") % {"status": evidence.get_status_display()})
        return _after_decision(request)
    if previews.needs_previews(evidence):
        previews.request_previews(evidence)  # made once per attachment, in the worker
    return _item_page(request, evidence)


def _after_decision(request: AuthenticatedHttpRequest) -> HttpResponse:
    next_item = (
        Evidence.objects.filter(status=EvidenceStatus.SUBMITTED)
        .exclude(submitted_by_id=request.user.pk)
        .exclude(pk__in=conversations.active_claims().exclude(moderator=request.user).values("evidence_id"))
        .order_by("submitted_at", "pk")
        .first()
    )
    if request.POST.get("then") == "next" and next_item is not None:
        return redirect("monitoring:moderation_item", uuid=next_item.uuid)
    return redirect("monitoring:moderation_queue")


def _item_page(
    request: AuthenticatedHttpRequest, evidence: Evidence, status: int = 200, **forms: object
) -> HttpResponse:
    return render(request, "monitoring/moderation_item.html", _item_context(evidence, request, **forms), status=status)


def _item_context(evidence: Evidence, request: AuthenticatedHttpRequest, **forms: object) -> dict[str, object]:
    history = list(
        AuditEvent.objects.filter(object_type="monitoring.evidence", object_id=str(evidence.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    for event in history:
        event.label = label_for(event.action)  # type: ignore[attr-defined]
    attachments = list(
        evidence.attachments.select_related("uploaded_by", "preview")
        .prefetch_related("preview__pages")
        .order_by("created_at")
    )
    for attachment in attachments:
        attachment.preview_state = _preview_state(attachment)  # type: ignore[attr-defined]
    candidates = duplicates.duplicates_of(evidence, request.user)
    claim = conversations.active_claim(evidence)
    posted = request.method == "POST" and "decision" in request.POST
    context: dict[str, object] = {
        "evidence": evidence,
        "indicators": evidence.indicators.select_related("plan").order_by("position"),
        "attachments": attachments,
        "regions": evidence.regions.all(),
        "institutions": evidence.institutions.all(),
        "entries": ModerationEntry.objects.filter(evidence=evidence)
        .select_related("author")
        .order_by("created_at", "pk"),
        "thread": conversations.thread(evidence),
        "notes": conversations.thread(evidence, internal=True),
        "history": history,
        "own": evidence.submitted_by_id == request.user.pk,
        "reason": request.POST.get("reason", "") if posted else "",
        # Ticked on a fresh page; after a refused decision, as the moderator left it.
        "then_next": request.POST.get("then") == "next" if posted else True,
        "confirm_claim": posted and request.POST.get("confirm_claim") == "yes",
        "claim": claim,
        "claim_text": conversations.describe_claim(claim) if claim else "",
        "claimed_by_other": claim is not None and claim.moderator_id != request.user.pk,
        "duplicates": candidates,
        "duplicate_mark": DuplicateMark.objects.filter(evidence=evidence).select_related("duplicate_of").first(),
        "comment_form": CommentForm(),
        "note_form": CommentForm(internal=True),
        "duplicate_form": _duplicate_form(None, candidates),
        "reliability_form": ReliabilityForm(evidence=evidence),
        "visibility_form": VisibilityForm(initial={"visibility": evidence.visibility}),
        "can_change_visibility": evidence.kind == EvidenceKind.TESTIMONY,
    }
    context.update(forms)
    return context


def _preview_state(attachment: object) -> dict[str, object] | None:
    if getattr(attachment, "content_type", "") not in previews.PREVIEWABLE:
        return None
    try:
        preview = attachment.preview  # type: ignore[attr-defined]
    except ObjectDoesNotExist:  # not made yet
        return {"status": "pending"}
    pages = sorted(preview.pages.all(), key=lambda p: p.number)
    return {
        "status": preview.status,
        "pages": pages,
        "page_count": preview.page_count,
        "message": previews.failure_message(preview) if preview.status == "failed" else "",
    }


def _duplicate_form(data: object, candidates: list[duplicates.Duplicate]) -> DuplicateForm:
    choices = [(str(d.evidence.uuid), f"{d.evidence.title} · {d.evidence.organisation.name}") for d in candidates]
    return DuplicateForm(data, candidates=choices)


@login_required
@require_POST
def note(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """A moderator's internal note: read by moderators only."""
    evidence = get_evidence_for_moderator(request.user, uuid)
    form = CommentForm(request.POST, internal=True)
    if form.is_valid():
        with refusal(request) as refused:
            conversations.post_comment(
                evidence=evidence,
                actor=request.user,
                text=form.cleaned_data["text"],
                text_format=form.cleaned_data["text_format"],
                internal=True,
            )
            messages.success(request, _("Internal note saved. Only moderators can read it."))
            return redirect(f"{reverse('monitoring:moderation_item', kwargs={'uuid': evidence.uuid})}#notes-heading")
        return _item_page(request, evidence, status=refused.status, note_form=form)
    return _item_page(request, evidence, note_form=form)


@login_required
@require_POST
def comment(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """A message on the thread, from the moderation page or the organisation's item page (same service)."""
    evidence = get_evidence_for_conversation(request.user, uuid)
    from_moderation = request.POST.get("from") == "moderation" and evidence.was_submitted
    from_moderation = from_moderation and is_moderator(request.user)
    form = CommentForm(request.POST)
    if form.is_valid():
        with refusal(request) as refused:
            conversations.post_comment(
                evidence=evidence,
                actor=request.user,
                text=form.cleaned_data["text"],
                text_format=form.cleaned_data["text_format"],
                kind=form.cleaned_data["kind"],
            )
            messages.success(request, _("Message sent."))
            page = "monitoring:moderation_item" if from_moderation else "monitoring:evidence_detail"
            return redirect(f"{reverse(page, kwargs={'uuid': evidence.uuid})}#thread-heading")
        status = refused.status
    else:
        status = 200
    if from_moderation:
        return _item_page(request, evidence, status=status, comment_form=form)
    return workspace._detail_page(request, evidence, status, comment_form=form)


@login_required
@require_POST
def claim(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_moderator(request.user, uuid)
    with refusal(request):
        conversations.claim_item(evidence=evidence, actor=request.user)
        messages.success(request, _("You claimed this item: the other moderators see that you are reviewing it."))
    return _back(request, evidence)


@login_required
@require_POST
def release(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_moderator(request.user, uuid)
    with refusal(request):
        conversations.release_claim(evidence=evidence, actor=request.user)
        messages.success(request, _("You released your claim on this item."))
    return _back(request, evidence)


def _back(request: HttpRequest, evidence: Evidence) -> HttpResponse:
    if request.POST.get("from") == "queue":
        return redirect("monitoring:moderation_queue")
    return redirect("monitoring:moderation_item", uuid=evidence.uuid)


@login_required
@require_POST
def mark_duplicate(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_moderator(request.user, uuid)
    candidates = duplicates.duplicates_of(evidence, request.user)
    form = _duplicate_form(request.POST, candidates)
    status = 200
    if form.is_valid():
        with refusal(request) as refused:
            mark = conversations.mark_duplicate(
                evidence=evidence,
                original_uuid=form.cleaned_data["original"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=expected_version(request),
                confirm_claim=form.cleaned_data["confirm_claim"],
            )
            messages.success(
                request,
                _("Marked as a duplicate of “%(title)s”: the item is rejected.") % {"title": mark.duplicate_of.title},
            )
            return redirect("monitoring:moderation_item", uuid=evidence.uuid)
        status = refused.status
        if refused.conflict:
            evidence.refresh_from_db()
    return _item_page(request, evidence, status=status, duplicate_form=form)


@login_required
@require_POST
def change_visibility(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """A testimony made public (or confidential again) by a moderator, with a reason."""
    evidence = get_evidence_for_moderator(request.user, uuid)
    form = VisibilityForm(request.POST)
    status = 200
    if form.is_valid():
        with refusal(request) as refused:
            evidence = moderation.change_visibility(
                evidence=evidence,
                actor=request.user,
                visibility=form.cleaned_data["visibility"],
                reason=form.cleaned_data["reason"],
                expected_version=expected_version(request),
            )
            messages.success(
                request, _("Visibility recorded: %(visibility)s.") % {"visibility": evidence.get_visibility_display()}
            )
            return redirect("monitoring:moderation_item", uuid=evidence.uuid)
        status = refused.status
        if refused.conflict:
            evidence.refresh_from_db()
    return _item_page(request, evidence, status=status, visibility_form=form)


@never_cache
@require_safe
@serves_files
def preview_image(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """A rendered preview (PNG or WebP), for whoever may read the item; 404 for everyone else."""
    return previews.serve(get_preview_page_for_user(request.user, uuid))


@login_required
@require_POST
def bulk_approve(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = BulkApprovalForm(request.POST, max_items=QUEUE_PAGE)
    approved, refused = 0, []
    for evidence in Evidence.objects.filter(uuid__in=form.ticked()):
        try:
            if conversations.claimed_by_other(evidence, request.user):
                claim = conversations.active_claim(evidence)
                raise EvidenceError(conversations.describe_claim(claim) if claim else "")
            if not (evidence.source_reliability and evidence.information_credibility):
                # Bulk approval confirms the member's assessment as it stands; without one, the item needs its page.
                raise EvidenceError(_("it has no reliability assessment yet: assess and approve it from its page."))
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
