"""Transparency requests: members' workspace and the public record of how institutions answer."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from monitoring import attachments, rules
from monitoring.deadlines import load_calendar
from monitoring.models import Plan, RequestStatus, TransparencyRequest
from monitoring.permissions import get_public_request, get_request_for_member, get_transparency_file_for_user
from monitoring.services import transparency as svc
from monitoring.transparency_forms import AnswerForm, AppealForm, FileRequestForm
from portal.http import AuthenticatedHttpRequest
from portal.permissions import organisations_of


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


def _annotate(requests: list[TransparencyRequest]) -> None:
    """Mark overdue and due-soon requests (computed from today's date and the calendar)."""
    today = timezone.localdate()
    calendar = load_calendar()
    for r in requests:
        item: Any = r
        item.overdue = r.is_overdue(today)
        pending = r.status == RequestStatus.PENDING
        item.days_left = calendar.working_days_between(today, r.effective_due_on) if pending else None
        # The same threshold as the reminder e-mail (send_transparency_reminders).
        soon = item.days_left is not None and item.days_left <= settings.TRANSPARENCY_REMINDER_DAYS
        item.due_soon = not item.overdue and soon


@never_cache
@login_required
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    organisations = organisations_of(request.user)
    if not organisations.exists():
        raise Http404
    items = TransparencyRequest.objects.filter(organisation__in=organisations).select_related("institution")
    status = request.GET.get("status", "")
    if status in RequestStatus.values:
        items = items.filter(status=status)
    page = Paginator(items.order_by("due_on", "pk"), 50).get_page(request.GET.get("page"))
    _annotate(list(page))
    return render(
        request,
        "monitoring/transparency_list.html",
        {"page": page, "status": status, "statuses": RequestStatus.choices},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = list(organisations_of(request.user))
    if not organisations:
        raise Http404
    plan = Plan.objects.first()
    if plan is None:
        raise Http404
    form = FileRequestForm(request.POST or None, plan=plan)
    form.helper = _helper()  # type: ignore[attr-defined]
    chosen = next((o for o in organisations if o.slug == request.POST.get("organisation")), organisations[0])
    if request.method == "POST" and form.is_valid():
        try:
            created = svc.file_requests(
                organisation=chosen,
                actor=request.user,
                question=form.cleaned_data["question"],
                filed_on=form.cleaned_data["filed_on"],
                folios=form.cleaned_data["folios"],
                indicators=form.cleaned_data["indicators"],
                is_public=form.cleaned_data["is_public"],
            )
        except svc.TransparencyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(count)s requests recorded, due on %(due)s.")
                % {"count": len(created), "due": created[0].due_on.strftime("%Y-%m-%d")},
            )
            return redirect("monitoring:transparency_list")
    return render(
        request, "monitoring/transparency_form.html", {"form": form, "organisations": organisations, "chosen": chosen}
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_detail(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    action = request.POST.get("action") if request.method == "POST" else None
    oversized = [name for _field, name in getattr(request, "oversized_uploads", [])]
    answer_form = AnswerForm(
        request.POST if action == "answer" else None,
        request.FILES if action == "answer" else None,
        initial={
            "version": item.version,
            "status": item.status if item.status != "pending" else "answered",
            "answered_on": item.answered_on,
            "summary": item.answer_summary,
        },
        filed_on=item.filed_on,
        oversized=oversized,
        existing=list(item.attachments.all()),
    )
    appeal_form = AppealForm(
        request.POST if action == "appeal" else None,
        initial={
            "version": item.version,
            "appeal_filed_on": item.appeal_filed_on,
            "appeal_outcome": item.appeal_outcome or "pending",
            "appeal_outcome_on": item.appeal_outcome_on,
        },
        filed_on=item.filed_on,
    )
    try:
        if action == "answer" and answer_form.is_valid():
            svc.record_answer(
                request=item,
                actor=request.user,
                status=answer_form.cleaned_data["status"],
                answered_on=answer_form.cleaned_data["answered_on"],
                summary=answer_form.cleaned_data["summary"],
                files=answer_form.checked_files,
                expected_version=answer_form.cleaned_data["version"],
            )
            messages.success(request, _("Answer recorded."))
            return redirect(item.get_absolute_url())
        if action == "appeal" and appeal_form.is_valid():
            svc.record_appeal(
                request=item,
                actor=request.user,
                filed_on=appeal_form.cleaned_data["appeal_filed_on"],
                outcome=appeal_form.cleaned_data["appeal_outcome"],
                outcome_on=appeal_form.cleaned_data["appeal_outcome_on"],
                expected_version=appeal_form.cleaned_data["version"],
            )
            messages.success(request, _("Appeal recorded."))
            return redirect(item.get_absolute_url())
        if action == "extend":
            version = attachments.version_from(request.POST.get("version"))
            svc.extend(request=item, actor=request.user, expected_version=version)
            messages.success(request, _("Extension recorded; the due date moved."))
            return redirect(item.get_absolute_url())
        if action == "withdraw":
            svc.withdraw(request=item, actor=request.user)
            messages.success(request, _("Request marked as withdrawn."))
            return redirect(item.get_absolute_url())
        if action == "evidence":
            evidence = svc.to_evidence(request=item, actor=request.user)
            messages.success(request, _("A draft of evidence was created from the answer. Check it and submit it."))
            return redirect("monitoring:evidence_edit", uuid=evidence.uuid)
    except svc.TransparencyError as exc:
        messages.error(request, exc.message)
        if action not in ("answer", "appeal"):  # a one-shot action has nothing typed to keep: back to the page
            return redirect(item.get_absolute_url())
        answer_form.save_failed = action == "answer"
    answer_form.helper = _helper()  # type: ignore[attr-defined]
    appeal_form.helper = _helper()  # type: ignore[attr-defined]
    _annotate([item])
    return render(
        request,
        "monitoring/transparency_detail.html",
        {
            "item": item,
            "answer_form": answer_form,
            "appeal_form": appeal_form,
            "attachments": item.attachments.all(),
            "indicators": item.indicators.select_related("plan"),
            "evidence": item.evidence.all(),
            "can": rules.request_actions(item),
        },
    )


@require_safe
def public_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/transparency_public.html", {"records": svc.public_records()})


@require_safe
def public_request(request: HttpRequest, uuid: str) -> HttpResponse:
    item = get_public_request(uuid)
    _annotate([item])
    return render(
        request,
        "monitoring/transparency_public_detail.html",
        {"item": item, "attachments": item.attachments.all(), "indicators": item.indicators.select_related("plan")},
    )


@never_cache
@require_safe
def answer_file(request: HttpRequest, uuid: str) -> FileResponse:
    return attachments.download(get_transparency_file_for_user(request.user, uuid))
