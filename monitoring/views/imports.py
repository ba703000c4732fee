"""Spreadsheet import of evidence: upload, the dry run's result, confirmation and progress, and the templates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from monitoring.imports import jobs, reader
from monitoring.imports.template import csv_template, xlsx_template
from monitoring.models import ImportedRow, ImportJob, ImportStatus, Plan
from monitoring.permissions import get_import_job_for_member
from portal.http import AuthenticatedHttpRequest
from portal.permissions import organisations_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        help_text=gettext_lazy("Fill in the template: one row per item, headers in Spanish or English."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=ImportJob.objects.none())
    plan = forms.ModelChoiceField(label=gettext_lazy("Plan"), queryset=Plan.objects.all(), to_field_name="slug")
    submit = forms.TypedChoiceField(
        label=gettext_lazy("Create the items as"),
        choices=[
            ("draft", gettext_lazy("Drafts, to review and submit one by one")),
            ("submit", gettext_lazy("Items submitted for review")),
        ],
        coerce=lambda v: v == "submit",
        initial="draft",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["organisation"].queryset = organisations
        fields["organisation"].to_field_name = "slug"
        # With one organisation or one plan there is nothing to choose: the field is left out.
        self.only: dict[str, Any] = {}
        for name, queryset in (("organisation", organisations), ("plan", Plan.objects.all())):
            if queryset.count() == 1:
                self.only[name] = queryset.get()
                del self.fields[name]

    def clean_file(self) -> Any:
        """The format is checked at once (the rest in the worker): a PDF or an .xlsm is refused here."""
        upload = self.cleaned_data["file"]
        head = upload.read(8)
        upload.seek(0)
        try:
            reader.file_format(upload.name or "", head)
        except reader.FileRefused as refused:
            raise forms.ValidationError(refused.message) from refused
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data.update(self.only)
        return data


def _organisations(request: HttpRequest) -> Any:
    return organisations_of(request.user).order_by("name")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = _organisations(request)
    if not organisations.exists():
        raise Http404
    initial = {k: request.GET[k] for k in ("plan", "organisation", "submit") if k in request.GET}
    form = UploadForm(request.POST or None, request.FILES or None, organisations=organisations, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = jobs.start_import(
                    organisation=form.cleaned_data["organisation"],
                    plan=form.cleaned_data["plan"],
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    submit=form.cleaned_data["submit"],
                    language=get_language() or "es",
                )
            except jobs.ImportRefused as refused:
                form.add_error("file", refused.message)
            else:
                return redirect(job.get_absolute_url())
        status = 400
    recent = (
        ImportJob.objects.filter(organisation__in=organisations)
        .select_related("uploaded_by")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "monitoring/import_upload.html",
        {"form": form, "recent": recent, "plans": Plan.objects.all()},
        status=status,
    )


@never_cache
@login_required
@require_safe
def job(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_import_job_for_member(request.user, uuid)
    created = (
        ImportedRow.objects.filter(job=item, evidence__isnull=False)
        .select_related("evidence")
        .order_by("row_number")[:500]
        if item.status == ImportStatus.DONE
        else []
    )
    again = (
        f"?plan={item.plan.slug}&organisation={item.organisation.slug}&submit={'submit' if item.submit else 'draft'}"
    )
    return render(
        request,
        "monitoring/import_job.html",
        {
            "job": item,
            "created": created,
            "again": again,
            "statuses": ImportStatus,
            "error_count": (item.preview or {}).get("error_count") or len(item.errors),
        },
    )


@login_required
@require_POST
def confirm(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    item = get_import_job_for_member(request.user, uuid)
    try:
        jobs.confirm_import(job=item, actor=request.user)
    except jobs.ImportRefused as refused:
        messages.error(request, refused.message)
    return redirect(item.get_absolute_url())


@login_required
@require_safe
def template_download(request: AuthenticatedHttpRequest, language: str, fmt: str) -> HttpResponse:
    if not organisations_of(request.user).exists() or fmt not in ("xlsx", "csv"):
        raise Http404
    if language not in ("es", "en"):
        raise Http404
    plan = Plan.objects.filter(slug=request.GET.get("plan")).first() or Plan.objects.first()
    if plan is None:
        raise Http404
    with translation.override(language):
        content = xlsx_template(plan) if fmt == "xlsx" else csv_template(plan)
        name = _("evidence-template")
    response = HttpResponse(content, content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{language}.{fmt}"'
    return response
