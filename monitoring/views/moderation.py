"""Moderators' pages: the queue, an item with its decisions, bulk approval, the site-wide audit log."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring.audit_labels import label_for
from monitoring.forms import CompactFilters
from monitoring.models import Evidence, EvidenceKind, EvidenceStatus, Indicator, ModerationEntry, Visibility
from monitoring.permissions import get_evidence_for_moderator, require_moderator
from monitoring.services import moderation
from monitoring.services.evidence import EvidenceError
from portal.http import AuthenticatedHttpRequest
from portal.models import AuditEvent, Organisation
from portal.widgets import DateInput

QUEUE_PAGE = 50
AGE_CHOICES = [
    ("", gettext_lazy("Any age")),
    ("1", gettext_lazy("Waiting over 1 day")),
    ("3", gettext_lazy("Waiting over 3 days")),
    ("7", gettext_lazy("Waiting over a week")),
    ("14", gettext_lazy("Waiting over two weeks")),
]


class QueueFilterForm(CompactFilters, forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[(s.value, s.label) for s in EvidenceStatus if s != EvidenceStatus.DRAFT],
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.all(), required=False, to_field_name="slug"
    )
    indicator = forms.CharField(label=gettext_lazy("Indicator code"), required=False, max_length=20)
    pillar = forms.CharField(label=gettext_lazy("Pillar code"), required=False, max_length=20)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=[("", gettext_lazy("All")), *EvidenceKind.choices]
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), required=False, choices=[("", gettext_lazy("All")), *Visibility.choices]
    )
    age = forms.ChoiceField(label=gettext_lazy("Age"), required=False, choices=AGE_CHOICES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.style_fields()


@never_cache
@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = QueueFilterForm(request.GET or None)
    status = EvidenceStatus.SUBMITTED
    items = Evidence.objects.ever_submitted()
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or status
        if data["organisation"]:
            items = items.filter(organisation=data["organisation"])
        if data["indicator"]:
            items = items.filter(indicators__code=data["indicator"].strip().upper())
        if data["pillar"]:
            items = items.filter(indicators__pillar__code=data["pillar"].strip().upper())
        if data["kind"]:
            items = items.filter(kind=data["kind"])
        if data["visibility"]:
            items = items.filter(visibility=data["visibility"])
        if data["age"]:
            items = items.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=int(data["age"])))
    items = (
        items.filter(status=status)
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
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monitoring/moderation_queue.html",
        {"form": form, "page": page, "counts": counts, "status": status, "query": query.urlencode()},
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    evidence = get_evidence_for_moderator(request.user, uuid)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            expected = int(request.POST.get("version", ""))
        except ValueError:
            expected = -1
        try:
            evidence = moderation.decide(
                evidence=evidence,
                actor=request.user,
                decision=decision,
                reason=request.POST.get("reason", ""),
                expected_version=expected,
            )
        except EvidenceError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "monitoring/moderation_item.html",
                _item_context(evidence, request),
                status=409 if isinstance(exc, moderation.AlreadyDecided) else 200,
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
    uuids = request.POST.getlist("items")[:QUEUE_PAGE]
    approved, refused = 0, []
    for evidence in Evidence.objects.filter(uuid__in=_valid_uuids(uuids)):
        try:
            moderation.approve_evidence(evidence=evidence, moderator=request.user)
            approved += 1
        except EvidenceError as exc:
            refused.append(f"“{evidence.title}”: {exc.message}")
    if approved:
        messages.success(request, _("%(count)s item(s) approved.") % {"count": approved})
    for message in refused:
        messages.error(request, message)
    if not approved and not refused:
        messages.info(request, _("Tick the items to approve first."))
    kept = QueryDict(request.POST.get("query", "")).copy()
    for key in list(kept.keys()):
        if key not in QueueFilterForm.base_fields:
            del kept[key]
    return redirect(f"{reverse('monitoring:moderation_queue')}?{kept.urlencode()}")


def _valid_uuids(values: list[str]) -> list[str]:
    import uuid as uuidlib

    valid = []
    for value in values:
        try:
            valid.append(str(uuidlib.UUID(value)))
        except ValueError:
            continue
    return valid


def _mask_drafts(events: list[AuditEvent]) -> None:
    """Drafts are private to their organisation, moderators included: hide what their events recorded."""
    ids = {e.object_id for e in events if e.object_type == "monitoring.evidence"}
    submitted = {str(pk) for pk in Evidence.objects.filter(pk__in=ids).ever_submitted().values_list("pk", flat=True)}
    for event in events:
        if event.object_type == "monitoring.evidence" and event.object_id not in submitted:
            event.object_repr = _("(a draft)")
            event.changes = {}
            event.reason = ""


class AuditFilterForm(CompactFilters, forms.Form):
    action = forms.CharField(label=gettext_lazy("Action contains"), required=False, max_length=100)
    actor = forms.CharField(label=gettext_lazy("Person (e-mail)"), required=False, max_length=254)
    object_type = forms.ChoiceField(
        label=gettext_lazy("Object"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("monitoring.evidence", gettext_lazy("Evidence")),
            ("monitoring.indicator", gettext_lazy("Indicators")),
            ("monitoring.plan", gettext_lazy("Plans")),
            ("portal.invitation", gettext_lazy("Invitations")),
            ("portal.user", gettext_lazy("People")),
        ],
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.style_fields()


@never_cache
@login_required
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    require_moderator(request.user)
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__icontains=data["action"].strip())
        if data["actor"]:
            events = events.filter(actor__email__iexact=data["actor"].strip())
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["since"]:
            events = events.filter(created_at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(created_at__date__lte=data["until"])
    page = Paginator(events.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    _mask_drafts(list(page))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "monitoring/audit_log.html", {"form": form, "page": page, "query": query.urlencode()})
