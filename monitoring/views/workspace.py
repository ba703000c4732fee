"""Members' workspace: log, edit, submit, follow, search and export their organisation's evidence."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring import attachments, duplicates
from monitoring.audit_labels import label_for, reason_for
from monitoring.exports import organisation as organisation_export
from monitoring.forms.evidence import EvidenceForm, initial_from
from monitoring.forms.filters import EvidenceFilterForm
from monitoring.forms.moderation import CommentForm
from monitoring.models import DuplicateMark, Evidence, Indicator, ModerationEntry, Plan
from monitoring.permissions import (
    can_converse,
    can_see_custody,
    get_attachment_for_user,
    get_evidence_for_member,
    get_evidence_for_user,
)
from monitoring.services import conversations, moderation
from monitoring.services import evidence as evidence_service
from portal.http import CONFLICT, AuthenticatedHttpRequest, Refusal, expected_version, refusal
from portal.links import kept_params, query_params
from portal.models import AuditEvent
from portal.permissions import get_own_membership, is_moderator, organisations_of
from portal.storage import STORAGE_ERRORS, serves_files

PAGE_SIZE = 25
logger = logging.getLogger(__name__)
SAVE_FAILED = gettext_lazy(
    "We could not save this right now, because of a problem on our side. Nothing was saved and nothing you typed "
    "was lost: try again in a moment (files must be chosen again)."
)
# The database or the file storage failed (a disk error, or an S3 bucket that does not answer: botocore's errors
# are not OSError): nothing was saved, and the form comes back with everything typed.
SAVE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, *STORAGE_ERRORS)


def _evidence_form(request: HttpRequest, plan: Plan, evidence: Evidence | None = None) -> EvidenceForm:
    submitting = request.POST.get("action") == "submit"
    return EvidenceForm(
        request.POST or None,
        request.FILES or None,
        plan=plan,
        organisations=organisations_of(request.user),
        submitting=submitting,
        evidence=evidence,
        oversized=[name for _field, name in getattr(request, "oversized_uploads", [])],
        initial=initial_from(evidence) if evidence and request.method != "POST" else {"creation_key": uuid.uuid4()},
    )


@query_params(EvidenceFilterForm.base_fields, "page")
@never_cache
@login_required
@require_safe
def evidence_list(request: HttpRequest) -> HttpResponse:
    organisations = list(organisations_of(request.user))
    if not organisations and is_moderator(request.user):
        return redirect("monitoring:moderation_queue")
    if not organisations:
        return render(request, "monitoring/evidence_list.html", {"no_organisation": True})
    form = EvidenceFilterForm(request.GET or None)
    # Ordered by the form: newest first, or best first for rare search words (as the public list).
    items = (
        form.apply(Evidence.objects.filter(organisation__in=organisations).listing())
        .select_related("organisation", "submitted_by")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.only("pk", "code", "plan_id")))
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = kept_params(request)
    query.pop("page", None)
    return render(
        request,
        "monitoring/evidence_list.html",
        {"page": page, "form": form, "q": form.query, "organisations": organisations, "query": query.urlencode()},
    )


@query_params(EvidenceFilterForm.base_fields)
@never_cache
@login_required
@require_safe
def evidence_export(request: AuthenticatedHttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """All of one organisation's evidence that the workspace filters select (every status and visibility), as CSV
    (streamed) or XLSX; an audited action. The list page, with its errors, while a filter is invalid."""
    if fmt not in organisation_export.FORMATS:
        raise Http404
    organisation = get_own_membership(request.user, slug).organisation
    form = EvidenceFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return evidence_list(request)
    items = form.narrow(Evidence.objects.filter(organisation=organisation))
    organisation_export.record_export(
        organisation=organisation,
        actor=request.user,
        filters=kept_params(request).urlencode(),
        rows=items.count(),
        fmt=fmt,
    )
    base_url = request.build_absolute_uri("/").rstrip("/")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"observatorio1325-{organisation.slug}-evidence-{stamp}.{fmt}"
    if fmt == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            organisation_export.organisation_csv(items, base_url), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        organisation_export.organisation_xlsx(items, base_url),
        as_attachment=True,
        filename=filename,
        content_type=organisation_export.XLSX_CONTENT_TYPE,
    )


@query_params("plan")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def evidence_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not organisations_of(request.user).exists():
        messages.error(request, _("You need to belong to an organisation to log evidence."))
        return redirect("monitoring:evidence_list")
    plans = list(Plan.objects.all())
    if not plans:
        messages.error(request, _("No plan has been loaded yet."))
        return redirect("monitoring:evidence_list")
    wanted = request.GET.get("plan")
    plan = next((p for p in plans if p.slug == wanted), plans[0])
    form = _evidence_form(request, plan)
    status = 200
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data.get("organisation") or organisations_of(request.user).get()
        try:
            with refusal(request) as refused:
                evidence = evidence_service.create_evidence(
                    organisation=organisation,
                    actor=request.user,
                    fields=form.evidence_fields(),
                    files=form.checked_files,
                    submit=form.submitting,
                    note=form.cleaned_data.get("note", ""),
                    creation_key=form.cleaned_data.get("creation_key"),
                )
                messages.success(
                    request,
                    _("Submitted for review. A moderator will check it.") if form.submitting else _("Draft saved."),
                )
                _warn_duplicates(request, evidence)
                return redirect(evidence.get_absolute_url())
            status = refused.status
        except SAVE_ERRORS:
            logger.exception("evidence could not be saved")
            messages.error(request, SAVE_FAILED)
            form.save_failed = True
    return render(request, "monitoring/evidence_form.html", {"form": form, "plan": plan, "plans": plans}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def evidence_edit(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_member(request.user, uuid)
    if not evidence.is_editable:
        messages.info(request, _("This item has been submitted and is read-only until a moderator asks for changes."))
        return redirect(evidence.get_absolute_url())
    form = _evidence_form(request, evidence.plan, evidence)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            with refusal(request) as refused:
                evidence = evidence_service.update_evidence(
                    evidence=evidence,
                    actor=request.user,
                    fields=form.evidence_fields(),
                    files=form.checked_files,
                    expected_version=expected_version(request),
                    submit=form.submitting,
                    note=form.cleaned_data.get("note", ""),
                )
                messages.success(request, _("Submitted for review.") if form.submitting else _("Changes saved."))
                _warn_duplicates(request, evidence)
                return redirect(evidence.get_absolute_url())
            status = refused.status
        except SAVE_ERRORS:
            logger.exception("evidence could not be saved")
            messages.error(request, SAVE_FAILED)
            form.save_failed = True
    stale = status == CONFLICT
    context: dict[str, Any] = {"form": form, "evidence": evidence, "plan": evidence.plan, "stale": stale}
    context["duplicates"] = duplicates.duplicates_of(evidence, request.user)
    if stale:
        evidence.refresh_from_db()
        context["current"] = evidence  # what the other person saved, beside what this one typed
    return render(request, "monitoring/evidence_form.html", context, status=status)


# Not never_cache: an anonymous reader's page of public evidence is public (the public page cache keeps it); every
# response to someone logged in is marked private, no-store by AccountSecurityMiddleware.
@require_safe
def evidence_detail(request: HttpRequest, uuid: str) -> HttpResponseBase:
    try:
        evidence = get_evidence_for_user(request.user, uuid)
    except Http404:
        from monitoring.views.reports import evidence_tombstone  # a withdrawn item that a published version cites

        return evidence_tombstone(request, uuid)
    return _detail_page(request, evidence)


def _warn_duplicates(request: HttpRequest, evidence: Evidence) -> None:
    """Tell the member, once saved, that the item may repeat one already logged (her organisation's or public)."""
    found = duplicates.duplicates_of(evidence, request.user)
    if found:
        messages.warning(
            request,
            _("This item may repeat %(count)s item(s) already logged for this plan: see “Possible duplicates”.")
            % {"count": len(found)},
        )


def _detail_page(request: HttpRequest, evidence: Evidence, status: int = 200, **extra: Any) -> HttpResponse:
    if status == CONFLICT:
        evidence.refresh_from_db()  # someone changed it: show it as it is now
    custody = can_see_custody(request.user, evidence)
    history = []
    if custody:
        history = list(
            AuditEvent.objects.filter(object_type="monitoring.evidence", object_id=str(evidence.pk))
            .select_related("actor")
            .order_by("created_at", "pk")
        )
        for event in history:
            event.label = label_for(event.action)  # type: ignore[attr-defined]
            event.reason = reason_for(event.reason)
    is_member = organisations_of(request.user).filter(pk=evidence.organisation_id).exists()
    converse = can_converse(request.user, evidence)
    context: dict[str, Any] = {}
    if converse:  # the thread, between the organisation and the moderators (never the internal notes)
        context["thread"] = conversations.thread(evidence)
        context["comment_form"] = CommentForm()
        context["can_post"] = evidence.was_submitted
    if is_member:
        context["duplicates"] = duplicates.duplicates_of(evidence, request.user)
        mark = DuplicateMark.objects.filter(evidence=evidence).select_related("duplicate_of").first()
        if mark is not None:
            readable = Evidence.objects.visible_to(request.user).filter(pk=mark.duplicate_of_id).exists()
            context["duplicate_mark"] = mark
            context["duplicate_readable"] = readable
    context.update(extra)
    return render(
        request,
        "monitoring/evidence_detail.html",
        {
            **context,
            "converse": converse,
            "evidence": evidence,
            "indicators": evidence.indicators.select_related("plan").order_by("position"),
            "attachments": evidence.attachments.order_by("created_at"),
            "regions": evidence.regions.all(),
            "institutions": evidence.institutions.all(),
            "custody": custody,
            "history": history,
            "is_member": is_member,
            "missing": evidence_service.missing_for_submission(evidence) if is_member and evidence.is_editable else [],
            "entries": (
                list(
                    ModerationEntry.objects.filter(evidence=evidence)
                    .select_related("author")
                    .order_by("created_at", "pk")
                )
                if custody
                else []
            ),
        },
        status=status,
    )


@login_required
@require_POST
def evidence_submit(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_member(request.user, uuid)
    with refusal(request) as refused:
        evidence_service.submit_evidence(
            evidence=evidence,
            actor=request.user,
            expected_version=expected_version(request),
            note=request.POST.get("note", "")[:2000],
        )
        messages.success(request, _("Submitted for review. A moderator will check it."))
        return redirect(evidence.get_absolute_url())
    return _refused(request, evidence, refused)


def _refused(request: HttpRequest, evidence: Evidence, refused: Refusal) -> HttpResponse:
    return refused.response(lambda status: _detail_page(request, evidence, status), evidence.get_absolute_url())


@login_required
@require_POST
def evidence_withdraw(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_member(request.user, uuid)
    with refusal(request) as refused:
        moderation.withdraw_evidence(
            evidence=evidence,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            expected_version=expected_version(request),
        )
        messages.success(request, _("The evidence was withdrawn. It stays on record and is no longer public."))
        return redirect(evidence.get_absolute_url())
    return _refused(request, evidence, refused)


@login_required
@require_POST
def evidence_delete(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_member(request.user, uuid)
    with refusal(request) as refused:
        evidence_service.delete_draft(evidence=evidence, actor=request.user)
        messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": evidence.title})
        return redirect("monitoring:evidence_list")
    return _refused(request, evidence, refused)


@never_cache
@require_safe
@serves_files
def attachment_download(request: HttpRequest, uuid: str) -> HttpResponseBase:
    return attachments.download(get_attachment_for_user(request.user, uuid))


@login_required
@require_POST
def attachment_remove(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    attachment = get_attachment_for_user(request.user, uuid)
    evidence = get_evidence_for_member(request.user, attachment.evidence.uuid)
    with refusal(request):
        evidence_service.remove_attachment(attachment=attachment, actor=request.user)
        messages.success(request, _("The file “%(name)s” was removed.") % {"name": attachment.original_name})
    return redirect("monitoring:evidence_edit", uuid=evidence.uuid)
