"""The catalogue in the Django admin, with inlines, search and filters.

Every class that can change rows mixes in ``AuditedAdmin``: each add, change and delete (inlines included) is an
audit event with the fields before and after (portal/admin_audit.py).
"""

from typing import cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from monitoring.models import (
    Evidence,
    EvidenceAttachment,
    Holiday,
    Indicator,
    Institution,
    LineOfAction,
    Objective,
    Pillar,
    Plan,
    PlanInstitution,
    SuspensionPeriod,
    TransparencyRequest,
)
from monitoring.querysets import EvidenceQuerySet
from monitoring.services.catalogue import retire_items
from monitoring.services.evidence import EvidenceError
from monitoring.services.moderation import approve_evidence
from portal.admin_audit import AuditedAdmin


class PillarInline(admin.TabularInline):
    model = Pillar
    fields = ["code", "position", "name_es", "name_en", "retired_at"]
    extra = 0
    show_change_link = True


class PlanInstitutionInline(admin.TabularInline):
    model = PlanInstitution
    extra = 0
    autocomplete_fields = ["institution"]


@admin.register(Plan)
class PlanAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["slug", "short_name", "country", "period_start", "period_end"]
    list_filter = ["country"]
    search_fields = ["slug", "short_name", "title_es", "title_en"]
    inlines = [PillarInline, PlanInstitutionInline]


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_es", "name_en", "country", "successor"]
    list_filter = ["country"]
    search_fields = ["code", "name_es", "name_en"]
    autocomplete_fields = ["successor"]
    list_select_related = ["successor"]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    fields = ["code", "position", "text_es", "wording", "placement", "retired_at"]
    extra = 0
    show_change_link = True


@admin.register(Pillar)
class PillarAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name_es", "plan", "position", "retired_at"]
    list_filter = ["plan"]
    search_fields = ["code", "name_es", "name_en"]
    inlines = [ObjectiveInline]
    list_select_related = ["plan"]


class LineInline(admin.TabularInline):
    model = LineOfAction
    fields = ["code", "position", "text_es", "wording", "placement", "retired_at"]
    extra = 0
    show_change_link = True


@admin.register(Objective)
class ObjectiveAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "pillar", "plan", "wording", "placement", "retired_at"]
    list_filter = ["plan", "pillar", "wording", "placement"]
    search_fields = ["code", "text_es", "text_en"]
    inlines = [LineInline]
    list_select_related = ["plan", "pillar"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fk_name = "line_of_action"
    fields = ["code", "position", "text_es", "unit", "wording", "placement", "retired_at"]
    extra = 0
    show_change_link = True


@admin.register(LineOfAction)
class LineOfActionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "objective", "plan", "wording", "placement", "retired_at"]
    list_filter = ["plan", "wording", "placement", "responsible"]
    search_fields = ["code", "text_es", "text_en"]
    filter_horizontal = ["responsible"]
    inlines = [IndicatorInline]
    list_select_related = ["plan", "objective"]


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "plan", "pillar", "unit", "is_official", "wording", "placement", "retired_at"]
    list_filter = ["plan", "is_official", "pillar__code", "unit", "wording", "placement", "responsible"]
    search_fields = ["code", "text_es", "text_en"]
    filter_horizontal = ["responsible"]
    list_select_related = ["plan", "pillar"]
    actions = ["retire"]

    @admin.action(description=_("Retire the selected indicators (kept with their evidence, no longer listed)"))
    def retire(self, request: HttpRequest, queryset: QuerySet[Indicator]) -> None:
        retired = retire_items(items=queryset, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("%(count)d indicator(s) retired.") % {"count": retired})


class AttachmentInline(admin.TabularInline):
    model = EvidenceAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Read-only here: every change of evidence goes through the services (and the audit trail)."""

    list_display = ["title", "organisation", "status", "visibility", "kind", "created_at", "moderation_link"]
    list_filter = ["status", "visibility", "kind", "organisation", "plan"]
    search_fields = ["title", "summary", "source_url", "uuid"]
    list_select_related = ["organisation", "plan"]
    date_hierarchy = "created_at"
    inlines = [AttachmentInline]
    actions = ["approve"]
    readonly_fields = [*(f.name for f in Evidence._meta.fields), "indicators", "regions", "institutions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        # Drafts are private to their organisation, staff included.
        return cast(EvidenceQuerySet, super().get_queryset(request)).ever_submitted()

    @admin.display(description=_("Moderation"))
    def moderation_link(self, obj: Evidence) -> str:
        if not obj.was_submitted:
            return "—"
        url = reverse("monitoring:moderation_item", kwargs={"uuid": obj.uuid})
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    @admin.action(description=_("Approve the selected submitted evidence (same rules as the moderation page)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Evidence]) -> None:
        approved = 0
        for evidence in queryset.filter(status="submitted"):
            try:
                approve_evidence(evidence=evidence, actor=request.user)  # type: ignore[arg-type]
                approved += 1
            except EvidenceError as exc:
                self.message_user(request, f"{evidence}: {exc.message}", level=messages.ERROR)
        self.message_user(request, _("%(count)d item(s) approved.") % {"count": approved})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin, admin.ModelAdmin):
    """Moderators maintain the non-working days that transparency deadlines skip."""

    list_display = ["date", "name_es", "name_en"]
    date_hierarchy = "date"
    search_fields = ["name_es", "name_en"]


@admin.register(SuspensionPeriod)
class SuspensionPeriodAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["start", "end", "reason_es"]


@admin.register(TransparencyRequest)
class TransparencyRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change through the organisation's pages (and the audit trail)."""

    list_display = ["folio", "institution", "organisation", "status", "filed_on", "due_on", "is_public"]
    list_filter = ["status", "institution", "organisation", "is_public"]
    search_fields = ["folio", "question"]
    list_select_related = ["institution", "organisation"]
    date_hierarchy = "filed_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
