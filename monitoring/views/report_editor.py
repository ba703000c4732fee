"""The report editor, for reviewers of the authoring organisations (404 for everyone else)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring import rules
from monitoring.forms.reports import AssessmentForm, PublicationRequestForm, ReportForm
from monitoring.models import Assessment, CoAuthorship, CoAuthorshipStatus, Pillar, Report
from monitoring.permissions import get_report_for_invited_reviewer, get_report_for_reviewer, reports_for_reviewer
from monitoring.presentation import citations, present
from monitoring.services import reports as report_service
from monitoring.snapshots import build_snapshot
from monitoring.views.reports import embargo_words
from portal.fields import plain_decimal
from portal.http import CONFLICT, AuthenticatedHttpRequest, Refusal, expected_version, refusal
from portal.models import Organisation
from portal.permissions import reviewer_organisation_ids
from portal.two_factor import recent_login_required


def _require_reviewer(request: HttpRequest) -> None:
    if not reviewer_organisation_ids(request.user):
        raise Http404


@never_cache
@login_required
@require_safe
def workspace(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    reports = (
        reports_for_reviewer(request.user)
        .annotate(
            assessed=Count("assessments", filter=~Q(assessments__rating=""), distinct=True),
            total=Count("assessments", distinct=True),
            published=Count("versions", distinct=True),
        )
        .order_by("-updated_at")
    )
    invitations = (
        CoAuthorship.objects.filter(
            organisation_id__in=reviewer_organisation_ids(request.user), status=CoAuthorshipStatus.PENDING
        )
        .select_related("report", "organisation")
        .order_by("-invited_at")
    )
    return render(request, "monitoring/report_workspace.html", {"reports": reports, "invitations": invitations})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_reviewer(request)
    form = ReportForm(request.POST or None, initial={"organisations": list(reviewer_organisation_ids(request.user))})
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal(request) as refused:
            report = report_service.create_report(
                actor=request.user,
                organisations=form.cleaned_data["organisations"],
                fields=form.report_fields(),
            )
            messages.success(request, _("Report created with an empty assessment for every indicator."))
            return redirect("monitoring:report_edit", uuid=report.uuid)
        status = refused.status
    return render(request, "monitoring/report_form.html", {"form": form}, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    form = _texts_form(report, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        with refusal(request) as refused:
            report = report_service.update_report(
                report=report,
                actor=request.user,
                fields=form.report_fields(),
                expected_version=expected_version(request),
            )
            messages.success(request, _("Report texts saved."))
            return redirect("monitoring:report_edit", uuid=report.uuid)
        status = refused.status
    return _edit_page(request, report, form, status=status)


def _texts_form(report: Report, data: Any = None) -> ReportForm:
    initial = {f: getattr(report, f) for f in report_service.REPORT_TEXT_FIELDS}
    return ReportForm(data, initial=initial, editing=True)


def _edit_page(
    request: AuthenticatedHttpRequest,
    report: Report,
    form: ReportForm | None = None,
    publication_form: PublicationRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report's page: its texts form (as typed, after a refused save), progress and publication verbs."""
    if status == CONFLICT:
        report.refresh_from_db()  # another reviewer changed it: show it as it is now
    if form is None:
        form = _texts_form(report)
    pillars = (
        Pillar.objects.filter(plan=report.plan, retired_at__isnull=True)
        .annotate(
            total=Count("indicators__assessments", filter=Q(indicators__assessments__report=report)),
            assessed=Count(
                "indicators__assessments",
                filter=Q(indicators__assessments__report=report) & ~Q(indicators__assessments__rating=""),
            ),
        )
        .order_by("position")
    )
    totals = Assessment.objects.filter(report=report).aggregate(
        total=Count("pk"), assessed=Count("pk", filter=~Q(rating=""))
    )
    return render(
        request,
        "monitoring/report_edit.html",
        {
            "report": report,
            "form": form,
            "pillars": pillars,
            "totals": totals,
            "versions": report.versions.select_related("requested_by", "approved_by").order_by("-number"),
            "publication_form": PublicationRequestForm() if publication_form is None else publication_form,
            "requested_by": report.publication_requested_by,
            "organisations": report.organisations.all(),
            "invited": report_service.pending_coauthorships(report),
            "invitable": _invitable(report),
            "can": rules.publication_actions(report, request.user),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pillar(request: AuthenticatedHttpRequest, uuid: str, code: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    pillar_obj = Pillar.objects.filter(plan=report.plan, code=code).first()
    if pillar_obj is None:
        raise Http404
    assessments = list(
        Assessment.objects.filter(report=report, indicator__pillar=pillar_obj)
        .select_related("indicator", "report", "reply_institution", "updated_by")
        .prefetch_related("cited_evidence")
        .order_by("-indicator__is_official", "indicator__position")
    )
    candidates = list(
        report_service.citable_evidence(report=report, user=request.user, indicators=[a.indicator for a in assessments])
        .select_related("organisation")
        .prefetch_related("indicators")
        .order_by("period_start", "title")
    )
    by_indicator: dict[int, list[Any]] = {}
    for evidence in candidates:
        for ind in evidence.indicators.all():
            by_indicator.setdefault(ind.pk, []).append(evidence)
    target = request.POST.get("assessment") if request.method == "POST" else None
    status = 200
    forms = []
    for assessment in assessments:
        evidence = by_indicator.get(assessment.indicator_id, [])
        cited_ids = [str(e.pk) for e in assessment.cited_evidence.all()]
        initial = {
            "version": assessment.version,
            "rating": assessment.rating,
            "observed_value": plain_decimal(assessment.observed_value),
            "narrative": assessment.narrative,
            "cited": cited_ids,
            "reply_institution": assessment.reply_institution_id,
            "reply_text": assessment.reply_text,
            "reply_received_on": assessment.reply_received_on,
            "reply_requested_on": assessment.reply_requested_on,
        }
        bound = str(assessment.pk) == target
        form = AssessmentForm(
            request.POST if bound else None, assessment=assessment, evidence=evidence, initial=initial
        )
        forms.append(
            {
                "assessment": assessment,
                "form": form,
                "evidence": evidence,
                # Each citable item by its key: the reliability mark beside its tick box (docs/RELIABILITY.md).
                "by_pk": {str(e.pk): e for e in evidence},
                "stale": None,
            }
        )
        if bound and form.is_valid():
            with refusal(request) as refused:
                report_service.save_assessment(
                    assessment=assessment,
                    actor=request.user,
                    fields=form.assessment_fields(),
                    cited=form.cited_evidence(),
                    expected_version=form.cleaned_data["version"],
                )
                messages.success(request, _("Assessment of %(code)s saved.") % {"code": assessment.indicator.code})
                return redirect(f"{request.path}#a{assessment.pk}")
            status = refused.status
            if isinstance(refused.error, report_service.StaleAssessment):
                forms[-1]["stale"] = refused.error.current  # hers, shown beside what this reviewer typed
    return render(
        request,
        "monitoring/report_pillar.html",
        {
            "report": report,
            "pillar": pillar_obj,
            "forms": forms,
            "pillars": Pillar.objects.filter(plan=report.plan, retired_at__isnull=True).order_by("position"),
        },
        status=status,
    )


@never_cache
@login_required
@require_safe
def preview(request: HttpRequest, uuid: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    lang = translation.get_language() or "es"
    snapshot = build_snapshot(report)
    view = present(snapshot, lang)
    return render(
        request,
        "monitoring/report_version.html",
        {
            "view": view,
            "version": None,
            "preview": True,
            "report": report,
            "cite": citations(view, "…"),
            "latest_number": None,
        },
    )


# One view per publication verb, each posting from the report's page (and each needing a recent password). A
# refused verb goes back to the page, or, when another reviewer changed the report in between, shows the page as it
# is now with status 409.


@login_required
@require_POST
@recent_login_required
def publication_request(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    form = PublicationRequestForm(request.POST, correction=report.versions.exists())
    if not form.is_valid():
        # The page again, with what was typed (the embargo too) and the reason next to its field.
        messages.error(request, _("Publication was not requested: see the reason below."))
        return _edit_page(request, report, publication_form=form)
    with refusal(request) as refused:
        report_service.request_publication(
            report=report,
            actor=request.user,
            change_note=form.cleaned_data["change_note"],
            public_from=form.cleaned_data["public_from"],
        )
        messages.success(request, _("Publication requested. Another reviewer must approve it."))
        return redirect("monitoring:report_edit", uuid=report.uuid)
    return _refused(request, report, refused)


@login_required
@require_POST
@recent_login_required
def publication_cancel(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    with refusal(request) as refused:
        report_service.cancel_publication_request(report=report, actor=request.user)
        messages.info(request, _("Publication request withdrawn."))
        return redirect("monitoring:report_edit", uuid=report.uuid)
    return _refused(request, report, refused)


@login_required
@require_POST
@recent_login_required
def publication_approve(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    report = get_report_for_reviewer(request.user, uuid)
    with refusal(request) as refused:
        version = report_service.approve_publication(report=report, actor=request.user)
        if version.is_public:
            messages.success(request, _("Version %(number)s published.") % {"number": version.number})
        else:  # nobody but its authors can read it yet: say when everyone can
            messages.success(
                request,
                _("Version %(number)s scheduled for %(when)s (Mexico City time).")
                % {"number": version.number, "when": embargo_words(version.public_from)},
            )
        return redirect("monitoring:report_edit", uuid=report.uuid)
    return _refused(request, report, refused)


def _refused(request: AuthenticatedHttpRequest, report: Report, refused: Refusal) -> HttpResponse:
    return refused.response(
        lambda status: _edit_page(request, report, status=status),
        reverse("monitoring:report_edit", kwargs={"uuid": report.uuid}),
    )


# Co-authorship by consent. The consent page is the only page an invited organisation's reviewers reach before they
# accept; each answer is its own POST-only URL.


@never_cache
@login_required
@require_safe
def coauthorship(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    return _coauthorship_page(request, get_report_for_invited_reviewer(request.user, uuid))


def _coauthorship_page(request: AuthenticatedHttpRequest, report: Report, status: int = 200) -> HttpResponse:
    return render(
        request,
        "monitoring/report_coauthorship.html",
        {
            "report": report,
            "authors": report.organisations.order_by("name"),
            "coauthorship": report_service.coauthorship_for_reviewer(request.user, report),
        },
        status=status,
    )


def _answer(request: AuthenticatedHttpRequest, uuid: str, verb: Any, message: str, to_editor: bool) -> HttpResponse:
    report = get_report_for_invited_reviewer(request.user, uuid)
    back = reverse("monitoring:report_coauthorship", kwargs={"uuid": report.uuid})
    with refusal(request) as refused:
        verb(report=report, actor=request.user)
        messages.success(request, message)
        if to_editor:
            return redirect("monitoring:report_edit", uuid=report.uuid)
        return redirect("monitoring:report_workspace")
    return refused.response(lambda status: _coauthorship_page(request, report, status), back)


@login_required
@require_POST
def coauthorship_accept(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    return _answer(
        request, uuid, report_service.accept_coauthorship, _("Your organisation is now an author of this report."), True
    )


@login_required
@require_POST
def coauthorship_decline(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    return _answer(request, uuid, report_service.decline_coauthorship, _("Invitation declined."), False)


@login_required
@require_POST
def coauthorship_withdraw(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    return _answer(
        request,
        uuid,
        report_service.withdraw_coauthorship,
        _("Your organisation withdrew from this report. Published versions keep their authors."),
        False,
    )


def _invitable(report: Report) -> Any:
    """Organisations an author may invite: neither authors nor invited already."""
    taken = report.coauthorships.filter(status__in=[CoAuthorshipStatus.PENDING, CoAuthorshipStatus.ACCEPTED]).values(
        "organisation_id"
    )
    return Organisation.objects.exclude(pk__in=taken).exclude(pk__in=report.organisations.values("pk")).order_by("name")


@login_required
@require_POST
def coauthor_invite(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """An author invites another organisation; it gains nothing until one of its reviewers accepts."""
    report = get_report_for_reviewer(request.user, uuid)
    organisation = _invitable(report).filter(slug=request.POST.get("organisation", "")).first()
    if organisation is None:
        messages.error(request, _("Choose an organisation that is not an author or invited already."))
        return redirect("monitoring:report_edit", uuid=report.uuid)
    with refusal(request):
        report_service.invite_coauthor(report=report, organisation=organisation, actor=request.user)
        messages.success(
            request,
            _("%(organisation)s was invited to co-author this report. Its reviewers decide.")
            % {"organisation": organisation.name},
        )
    return redirect("monitoring:report_edit", uuid=report.uuid)


@login_required
@require_POST
def coauthor_cancel(request: AuthenticatedHttpRequest, uuid: str, slug: str) -> HttpResponse:
    """An author takes back an invitation that has not been answered."""
    report = get_report_for_reviewer(request.user, uuid)
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    with refusal(request):
        report_service.cancel_coauthor_invitation(report=report, organisation=organisation, actor=request.user)
        messages.success(
            request, _("The invitation to %(organisation)s was withdrawn.") % {"organisation": organisation.name}
        )
    return redirect("monitoring:report_edit", uuid=report.uuid)
