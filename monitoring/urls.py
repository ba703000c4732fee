from django.urls import path

from monitoring.views import public

app_name = "monitoring"

urlpatterns = [
    path("plans/", public.plan_list, name="plan_list"),
    path("plans/<slug:plan_slug>/", public.plan_detail, name="plan_detail"),
    path("plans/<slug:plan_slug>/indicators/<str:code>/", public.indicator_detail, name="indicator_detail"),
    path("institutions/", public.institution_list, name="institution_list"),
    path("institutions/<str:code>/", public.institution_detail, name="institution_detail"),
]

from monitoring.views import organisations  # noqa: E402

urlpatterns += [
    path("organisations/", organisations.organisation_public_list, name="organisation_public_list"),
    path("organisations/<slug:slug>/", organisations.organisation_public, name="organisation_public"),
    path("organisations/<slug:slug>/logo/", organisations.organisation_logo, name="organisation_logo"),
]

from monitoring.views import workspace  # noqa: E402

urlpatterns += [
    path("workspace/evidence/", workspace.evidence_list, name="evidence_list"),
    path("workspace/evidence/new/", workspace.evidence_create, name="evidence_create"),
    path("workspace/evidence/<uuid:uuid>/edit/", workspace.evidence_edit, name="evidence_edit"),
    path("workspace/evidence/<uuid:uuid>/submit/", workspace.evidence_submit, name="evidence_submit"),
    path("workspace/evidence/<uuid:uuid>/delete/", workspace.evidence_delete, name="evidence_delete"),
    path("evidence/<uuid:uuid>/", workspace.evidence_detail, name="evidence_detail"),
    path("files/<uuid:uuid>/", workspace.attachment_download, name="attachment_download"),
    path("files/<uuid:uuid>/remove/", workspace.attachment_remove, name="attachment_remove"),
]

from monitoring.views import imports  # noqa: E402

urlpatterns += [
    path("workspace/evidence/import/", imports.upload, name="evidence_import"),
    path(
        "workspace/evidence/import/template-<str:language>.<str:fmt>",
        imports.template_download,
        name="evidence_import_template",
    ),
    path("workspace/evidence/import/<uuid:uuid>/", imports.job, name="evidence_import_job"),
    path("workspace/evidence/import/<uuid:uuid>/confirm/", imports.confirm, name="evidence_import_confirm"),
]

from monitoring.views import archive  # noqa: E402

# Archived copies of source URLs: downloads (never rendered here) and "archive again" (POST only).
urlpatterns += [
    path("archives/<uuid:uuid>/copy.warc.gz", archive.archive_warc, name="archive_warc"),
    path("archives/<uuid:uuid>/text.txt", archive.archive_text, name="archive_text"),
    path("evidence/<uuid:uuid>/archive/", archive.archive_request, name="archive_request"),
]

from monitoring.views import reliability  # noqa: E402

urlpatterns += [path("about/reliability/", reliability.scale, name="reliability_scale")]

urlpatterns += [
    # One organisation's evidence, through the workspace filters: "csv" or "xlsx" (anything else is a 404).
    path("workspace/evidence/export/<slug:slug>.<str:fmt>", workspace.evidence_export, name="evidence_export"),
]

from monitoring.views import moderation  # noqa: E402

urlpatterns += [
    path("moderation/", moderation.queue, name="moderation_queue"),
    path("moderation/bulk/", moderation.bulk_approve, name="moderation_bulk"),
    path("moderation/<uuid:uuid>/", moderation.item, name="moderation_item"),
    path("moderation/<uuid:uuid>/notes/", moderation.note, name="moderation_note"),
    path("moderation/<uuid:uuid>/claim/", moderation.claim, name="moderation_claim"),
    path("moderation/<uuid:uuid>/release/", moderation.release, name="moderation_release"),
    path("moderation/<uuid:uuid>/duplicate/", moderation.mark_duplicate, name="moderation_duplicate"),
    path("moderation/<uuid:uuid>/visibility/", moderation.change_visibility, name="moderation_visibility"),
    path("evidence/<uuid:uuid>/comments/", moderation.comment, name="evidence_comment"),
    path("previews/<uuid:uuid>/", moderation.preview_image, name="preview_image"),
    path("workspace/evidence/<uuid:uuid>/withdraw/", workspace.evidence_withdraw, name="evidence_withdraw"),
]

from monitoring.views import audit  # noqa: E402

urlpatterns += [
    path("moderation/audit/", audit.audit_log, name="audit_log"),
    path("moderation/audit/export.csv", audit.audit_log_csv, name="audit_log_csv"),
]

from monitoring.views import report_editor, reports  # noqa: E402

urlpatterns += [
    path("reports/", reports.report_list, name="report_list"),
    path("reports/<slug:slug>/", reports.report_latest, name="report_latest"),
    path("reports/<slug:slug>/v<int:number>/", reports.report_version, name="report_version"),
    path(
        "reports/<slug:slug>/v<int:number>/download.<str:fmt>",
        reports.report_download,
        name="report_download",
    ),
    # What changed between two public versions (older first), and an embargoed version's private preview link.
    path("reports/<slug:slug>/compare/v<int:old>...v<int:new>/", reports.report_compare, name="report_compare"),
    path("reports/preview/<str:token>/", reports.report_preview_link, name="report_preview_link"),
    path("workspace/reports/", report_editor.workspace, name="report_workspace"),
    path("workspace/reports/new/", report_editor.create, name="report_create"),
    path("workspace/reports/<uuid:uuid>/", report_editor.edit, name="report_edit"),
    path("workspace/reports/<uuid:uuid>/pillars/<str:code>/", report_editor.pillar, name="report_pillar"),
    path("workspace/reports/<uuid:uuid>/preview/", report_editor.preview, name="report_preview"),
    # One POST-only URL per publication verb, each posting from the report's page.
    path(
        "workspace/reports/<uuid:uuid>/publication/request/",
        report_editor.publication_request,
        name="report_publication_request",
    ),
    path(
        "workspace/reports/<uuid:uuid>/publication/cancel/",
        report_editor.publication_cancel,
        name="report_publication_cancel",
    ),
    path(
        "workspace/reports/<uuid:uuid>/publication/approve/",
        report_editor.publication_approve,
        name="report_publication_approve",
    ),
    # Co-authorship by consent: the invited organisation's page, and one POST-only URL per answer.
    path("workspace/reports/<uuid:uuid>/coauthorship/", report_editor.coauthorship, name="report_coauthorship"),
    path(
        "workspace/reports/<uuid:uuid>/coauthors/invite/", report_editor.coauthor_invite, name="report_coauthor_invite"
    ),
    path(
        "workspace/reports/<uuid:uuid>/coauthors/<slug:slug>/cancel/",
        report_editor.coauthor_cancel,
        name="report_coauthor_cancel",
    ),
    path(
        "workspace/reports/<uuid:uuid>/coauthorship/accept/",
        report_editor.coauthorship_accept,
        name="report_coauthorship_accept",
    ),
    path(
        "workspace/reports/<uuid:uuid>/coauthorship/decline/",
        report_editor.coauthorship_decline,
        name="report_coauthorship_decline",
    ),
    path(
        "workspace/reports/<uuid:uuid>/coauthorship/withdraw/",
        report_editor.coauthorship_withdraw,
        name="report_coauthorship_withdraw",
    ),
]

urlpatterns += [
    path("evidence/", public.evidence_list, name="evidence_public_list"),
    path("data/", public.data, name="data"),
    path("data/evidence.csv", public.evidence_csv_download, name="evidence_csv"),
    path("data/assessments.csv", public.assessments_csv_download, name="assessments_csv"),
]

from monitoring.views import transparency  # noqa: E402

urlpatterns += [
    path("workspace/requests/", transparency.request_list, name="transparency_list"),
    path("workspace/requests/new/", transparency.request_create, name="transparency_create"),
    path("workspace/requests/<uuid:uuid>/", transparency.request_detail, name="transparency_detail"),
    # One POST-only URL per verb, each posting from the request's page.
    path("workspace/requests/<uuid:uuid>/answer/", transparency.request_answer, name="transparency_answer"),
    path("workspace/requests/<uuid:uuid>/appeal/", transparency.request_appeal, name="transparency_appeal"),
    path("workspace/requests/<uuid:uuid>/extend/", transparency.request_extend, name="transparency_extend"),
    path("workspace/requests/<uuid:uuid>/withdraw/", transparency.request_withdraw, name="transparency_withdraw"),
    path("workspace/requests/<uuid:uuid>/evidence/", transparency.request_to_evidence, name="transparency_evidence"),
    path("transparency/", transparency.public_overview, name="transparency_public"),
    path("transparency/requests/<uuid:uuid>/", transparency.public_request, name="transparency_public_detail"),
    path("transparency/files/<uuid:uuid>/", transparency.answer_file, name="transparency_file"),
]

from monitoring.views import embargo  # noqa: E402

# An embargoed version's page (move or lift the embargo with two reviewers, private preview links) and its verbs.
urlpatterns += [
    path("workspace/reports/<uuid:uuid>/v<int:number>/embargo/", embargo.embargo, name="report_embargo"),
    path(
        "workspace/reports/<uuid:uuid>/v<int:number>/embargo/request/",
        embargo.embargo_request,
        name="report_embargo_request",
    ),
    path(
        "workspace/reports/<uuid:uuid>/v<int:number>/embargo/approve/",
        embargo.embargo_approve,
        name="report_embargo_approve",
    ),
    path(
        "workspace/reports/<uuid:uuid>/v<int:number>/embargo/cancel/",
        embargo.embargo_cancel,
        name="report_embargo_cancel",
    ),
    path(
        "workspace/reports/<uuid:uuid>/v<int:number>/previews/new/",
        embargo.preview_link_create,
        name="report_preview_link_create",
    ),
    path(
        "workspace/reports/<uuid:uuid>/v<int:number>/previews/<uuid:link>/revoke/",
        embargo.preview_link_revoke,
        name="report_preview_link_revoke",
    ),
]

from monitoring import feeds as atom  # noqa: E402
from monitoring.views import feeds as previews  # noqa: E402

# Atom feeds of public state and link-preview images (issue 19, part 6).
urlpatterns += [
    path("feeds/reports.atom", atom.ReportVersionsFeed(), name="feed_reports"),
    path("feeds/evidence.atom", atom.EvidenceFeed(), name="feed_evidence"),
    path("feeds/indicators/<slug:plan_slug>/<str:code>.atom", atom.IndicatorEvidenceFeed(), name="feed_indicator"),
    path("feeds/institutions/<str:code>.atom", atom.InstitutionEvidenceFeed(), name="feed_institution"),
    path("og/reports/<slug:slug>/v<int:number>.png", previews.og_version, name="og_version"),
    path("og/indicators/<slug:plan_slug>/<str:code>.png", previews.og_indicator, name="og_indicator"),
]

from monitoring.views import pages  # noqa: E402

# The site's own pages (privacy notice, contact and corrections) and their editor (moderators only).
urlpatterns += [
    path("privacy/", pages.privacy, name="privacy"),
    path("contact/", pages.contact, name="contact"),
    path("moderation/pages/<slug:slug>/", pages.edit, name="site_page_edit"),
]
