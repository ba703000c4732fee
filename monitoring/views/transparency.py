"""Transparency requests: members' workspace and the public record of how institutions answer."""

from __future__ import annotations

import logging
from typing import Any

from crispy_forms.helper import FormHelper
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring import attachments, rules, stats
from monitoring.deadlines import load_calendar
from monitoring.forms.transparency import AnswerForm, AppealForm, FileRequestForm
from monitoring.models import Plan, RequestStatus, TransparencyRequest
from monitoring.permissions import get_public_request, get_request_for_member, get_transparency_file_for_user
from monitoring.services import transparency as svc
from monitoring.views.workspace import SAVE_ERRORS, SAVE_FAILED
from portal.http import CONFLICT, AuthenticatedHttpRequest, expected_version, refusal
from portal.links import query_params
from portal.permissions import organisations_of
from portal.storage import serves_files

logger = logging.getLogger(__name__)


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


@query_params("status", "page")
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
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal(request) as refused:
            created = svc.file_requests(
                organisation=chosen,
                actor=request.user,
                question=form.cleaned_data["question"],
                filed_on=form.cleaned_data["filed_on"],
                folios=form.cleaned_data["folios"],
                indicators=form.cleaned_data["indicators"],
                is_public=form.cleaned_data["is_public"],
            )
            messages.success(
                request,
                _("%(count)s requests recorded, due on %(due)s.")
                % {"count": len(created), "due": created[0].due_on.strftime("%Y-%m-%d")},
            )
            return redirect("monitoring:transparency_list")
        status = refused.status
    return render(
        request,
        "monitoring/transparency_form.html",
        {"form": form, "organisations": organisations, "chosen": chosen},
        status=status,
    )


@never_cache
@login_required
@require_safe
def request_detail(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    return _detail_page(request, get_request_for_member(request.user, uuid))


def _answer_form(request: HttpRequest, item: TransparencyRequest, bound: bool = False) -> AnswerForm:
    return AnswerForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        initial={
            "version": item.version,
            "status": item.status if item.status != "pending" else "answered",
            "answered_on": item.answered_on,
            "summary": item.answer_summary,
        },
        filed_on=item.filed_on,
        oversized=[name for _field, name in getattr(request, "oversized_uploads", [])],
        existing=list(item.attachments.all()),
    )


def _appeal_form(request: HttpRequest, item: TransparencyRequest, bound: bool = False) -> AppealForm:
    return AppealForm(
        request.POST if bound else None,
        initial={
            "version": item.version,
            "appeal_filed_on": item.appeal_filed_on,
            "appeal_outcome": item.appeal_outcome or "pending",
            "appeal_outcome_on": item.appeal_outcome_on,
        },
        filed_on=item.filed_on,
    )


def _detail_page(
    request: HttpRequest,
    item: TransparencyRequest,
    *,
    answer_form: AnswerForm | None = None,
    appeal_form: AppealForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The request's page; after a refused verb, with that verb's form as it was sent (the other one fresh)."""
    if status == CONFLICT:
        item.refresh_from_db()  # someone changed it: show it as it is now
    if answer_form is None:
        answer_form = _answer_form(request, item)
    if appeal_form is None:
        appeal_form = _appeal_form(request, item)
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
        status=status,
    )


# One view per verb, each posting from the request's page. A form that does not validate, or that the service
# refuses, shows the page again with what was typed; a refused one-shot action goes back to the page (409 with the
# page as it is now when someone changed the request in between).


@login_required
@require_POST
def request_answer(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    form = _answer_form(request, item, bound=True)
    if not form.is_valid():
        return _detail_page(request, item, answer_form=form)
    try:
        with refusal(request) as refused:
            svc.record_answer(
                request=item,
                actor=request.user,
                status=form.cleaned_data["status"],
                answered_on=form.cleaned_data["answered_on"],
                summary=form.cleaned_data["summary"],
                files=form.checked_files,
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Answer recorded."))
            return redirect(item.get_absolute_url())
    except SAVE_ERRORS:  # the database or the file storage failed: nothing saved, the form keeps what was typed
        logger.exception("transparency answer could not be saved")
        messages.error(request, SAVE_FAILED)
        form.save_failed = True
        return _detail_page(request, item, answer_form=form)
    form.save_failed = True  # the files must be chosen again
    return _detail_page(request, item, answer_form=form, status=refused.status)


@login_required
@require_POST
def request_appeal(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    form = _appeal_form(request, item, bound=True)
    if not form.is_valid():
        return _detail_page(request, item, appeal_form=form)
    with refusal(request) as refused:
        svc.record_appeal(
            request=item,
            actor=request.user,
            filed_on=form.cleaned_data["appeal_filed_on"],
            outcome=form.cleaned_data["appeal_outcome"],
            outcome_on=form.cleaned_data["appeal_outcome_on"],
            expected_version=form.cleaned_data["version"],
        )
        messages.success(request, _("Appeal recorded."))
        return redirect(item.get_absolute_url())
    return _detail_page(request, item, appeal_form=form, status=refused.status)


@login_required
@require_POST
def request_extend(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    with refusal(request) as refused:
        svc.extend_request(request=item, actor=request.user, expected_version=expected_version(request))
        messages.success(request, _("Extension recorded; the due date moved."))
        return redirect(item.get_absolute_url())
    return refused.response(lambda status: _detail_page(request, item, status=status), item.get_absolute_url())


@login_required
@require_POST
def request_withdraw(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    with refusal(request) as refused:
        svc.withdraw_request(request=item, actor=request.user, expected_version=expected_version(request))
        messages.success(request, _("Request marked as withdrawn."))
        return redirect(item.get_absolute_url())
    return refused.response(lambda status: _detail_page(request, item, status=status), item.get_absolute_url())


@login_required
@require_POST
def request_to_evidence(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_request_for_member(request.user, uuid)
    with refusal(request) as refused:
        evidence = svc.create_evidence_from_answer(
            request=item, actor=request.user, expected_version=expected_version(request)
        )
        messages.success(request, _("A draft of evidence was created from the answer. Check it and submit it."))
        return redirect("monitoring:evidence_edit", uuid=evidence.uuid)
    return refused.response(lambda status: _detail_page(request, item, status=status), item.get_absolute_url())


@require_safe
def public_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/transparency_public.html", {"records": stats.public_records()})


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
@serves_files
def answer_file(request: HttpRequest, uuid: str) -> HttpResponseBase:
    return attachments.download(get_transparency_file_for_user(request.user, uuid))
