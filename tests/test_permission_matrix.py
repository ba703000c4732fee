"""The site-wide permission matrix: every URL of the portal × every role → the status code.

The promise it proves: anything outside a person's reach is a 404, exactly like an address that does not exist.
The list of URLs comes from the URLconf, so a new view without a row in MATRIX fails
``test_every_url_pattern_has_a_row``. Only GET requests (no redirect following): what a person reaches by typing an
address. POST-only views answer 405 to a GET for every logged-in person, before any lookup, so they reveal
nothing about the object in the address.

Reading an expectation: ``"200"``, ``"404"``, ``"405"``, or ``"302 <prefix>"`` (a redirect whose Location starts
with the prefix). ``LOGIN`` is the login redirect that ``login_required`` gives anonymous readers of private
pages; logged-in people outside the page's reach get the 404.

A status that breaks the promise is not encoded as if it were right: it goes in KNOWN_DEVIATIONS with the status
the promise wants in MATRIX. The test asserts the deviation still happens, so fixing it fails the test until the
row is removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from monitoring.models import (
    AttachmentPreview,
    EvidenceAttachment,
    EvidenceStatus,
    Indicator,
    Institution,
    Pillar,
    PreviewPage,
    SourceArchive,
    Visibility,
)
from monitoring.services import reports as report_service
from portal import services as portal_services
from portal.models import AccountUnlock, Invitation, Role
from tests.factories import (
    EvidenceFactory,
    MembershipFactory,
    TransparencyAttachmentFactory,
    TransparencyRequestFactory,
)
from tests.files import image_bytes

ROLES = ["anonymous", "outsider", "member", "other_member", "reviewer", "other_reviewer", "moderator"]
LOGIN = "302 /es/accounts/login/?next="


def expect(default: str, **by_role: str) -> dict[str, str]:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


EVERYONE = expect("200")
NOBODY = expect("404")
# login_required, then a check that answers 404 to anyone logged in but outside.
MODERATORS = expect("404", anonymous=LOGIN, moderator="200")
INTERSECTA = expect("404", anonymous=LOGIN, member="200", reviewer="200")
ANY_ACCOUNT = expect("200", anonymous=LOGIN)
POST_ONLY = expect("405", anonymous=LOGIN)
ORGANISATION_MEMBERS = expect("200", anonymous=LOGIN, outsider="404", moderator="404")
REVIEWERS = expect("404", anonymous=LOGIN, reviewer="200", other_reviewer="200")
INTERSECTA_REVIEWER = expect("404", anonymous=LOGIN, reviewer="200")

# Who may read an Intersecta item (EvidenceQuerySet.visible_to) — the detail page and its files; no login needed.
READ_OWN_ONLY = expect("404", member="200", reviewer="200")  # drafts: not even moderators
READ_SUBMITTED = expect("404", member="200", reviewer="200", moderator="200")  # ever submitted, not approved public
READ_REVIEWERS = expect("404", member="200", reviewer="200", other_reviewer="200", moderator="200")


@dataclass(frozen=True)
class Case:
    url: str  # formatted with the world's values
    expected: dict[str, str]
    why: str


# Keyed by the pattern's name ("namespace:name"), or its route when it has none.
MATRIX: dict[str, list[Case]] = {
    # ----------------------------------------------------------------------------------- language-free
    "healthz": [Case("/healthz", EVERYONE, "operators' probe")],
    "readyz": [Case("/readyz", EVERYONE, "operators' readiness probe (names parts, no details)")],
    "metrics": [Case("/metrics", NOBODY, "off unless METRICS_TOKEN is set, then only with the token")],
    "robots_txt": [Case("/robots.txt", EVERYONE, "public")],
    "django.contrib.sitemaps.views.sitemap": [Case("/sitemap.xml", EVERYONE, "public objects only")],
    "api-root": [
        Case("/api/v1/", EVERYONE, "open data: anonymous API, public rows only"),
        Case("/api/v1/.json", EVERYONE, "format suffix (a second pattern with the same name)"),
    ],
    "api-schema": [Case("/api/schema/", EVERYONE, "public")],
    "api-docs": [Case("/api/docs/", expect("302 /es/api/docs/"), "permalink: the reference in the reader's language")],
    "api-docs-page": [
        Case("/es/api/docs/", EVERYONE, "public: the API reference inside the site"),
        Case("/en/api/docs/", EVERYONE, "public"),
    ],
    "plan-list": [
        Case("/api/v1/plans/", EVERYONE, "public"),
        Case("/api/v1/plans.json", EVERYONE, "format suffix"),
    ],
    "plan-detail": [
        Case("/api/v1/plans/{plan}/", EVERYONE, "public"),
        Case("/api/v1/plans/{plan}.json", EVERYONE, "format suffix"),
    ],
    "institution-list": [
        Case("/api/v1/institutions/", EVERYONE, "public"),
        Case("/api/v1/institutions.json", EVERYONE, "format suffix"),
    ],
    "institution-detail": [
        Case("/api/v1/institutions/{institution}/", EVERYONE, "public"),
        Case("/api/v1/institutions/{institution}.json", EVERYONE, "format suffix"),
    ],
    "indicator-list": [
        Case("/api/v1/indicators/", EVERYONE, "public"),
        Case("/api/v1/indicators.json", EVERYONE, "format suffix"),
    ],
    "indicator-detail": [
        Case("/api/v1/indicators/{indicator_pk}/", EVERYONE, "public"),
        Case("/api/v1/indicators/{indicator_pk}.json", EVERYONE, "format suffix"),
    ],
    "evidence-list": [
        Case("/api/v1/evidence/", EVERYONE, "public rows only"),
        Case("/api/v1/evidence.json", EVERYONE, "format suffix"),
    ],
    "evidence-detail": [
        Case("/api/v1/evidence/{approved_public}/", EVERYONE, "approved and public"),
        Case("/api/v1/evidence/{approved_public}.json", EVERYONE, "format suffix"),
        # The API has no authentication: private rows do not exist there, whoever asks.
        Case("/api/v1/evidence/{approved_reviewers}/", NOBODY, "reviewers-only: never in the API"),
        Case("/api/v1/evidence/{approved_confidential}/", NOBODY, "confidential: never in the API"),
        Case("/api/v1/evidence/{submitted}/", NOBODY, "not approved"),
        Case("/api/v1/evidence/{draft}/", NOBODY, "draft"),
        Case("/api/v1/evidence/{withdrawn}/", NOBODY, "withdrawn"),
    ],
    "report-list": [
        Case("/api/v1/reports/", EVERYONE, "published reports only"),
        Case("/api/v1/reports.json", EVERYONE, "format suffix"),
    ],
    "report-detail": [
        Case("/api/v1/reports/{report_slug}/", EVERYONE, "has a visible version"),
        Case("/api/v1/reports/{report_slug}.json", EVERYONE, "format suffix"),
        Case("/api/v1/reports/{draft_report_slug}/", NOBODY, "never published"),
    ],
    "report-version-list": [
        Case("/api/v1/report-versions/", EVERYONE, "visible versions only"),
        Case("/api/v1/report-versions.json", EVERYONE, "format suffix"),
    ],
    "report-version-detail": [
        Case("/api/v1/report-versions/{report_slug}-v1/", EVERYONE, "published"),
        Case("/api/v1/report-versions/{report_slug}-v1.json", EVERYONE, "format suffix"),
        Case("/api/v1/report-versions/{report_slug}-v2/", NOBODY, "embargoed"),
    ],
    # ----------------------------------------------------------------------------------- public pages
    "home": [Case("/es/", EVERYONE, "public")],
    "es/favicon.ico": [Case("/es/favicon.ico", expect("301 /static/img/favicon.svg"), "permanent redirect")],
    "portal:about": [Case("/es/about/", EVERYONE, "public")],
    "monitoring:plan_list": [Case("/es/plans/", EVERYONE, "public")],
    "monitoring:plan_detail": [
        Case("/es/plans/{plan}/", EVERYONE, "public"),
        Case("/es/plans/no-such-plan/", NOBODY, "unknown slug"),
    ],
    "monitoring:indicator_detail": [Case("/es/plans/{plan}/indicators/I13/", EVERYONE, "public")],
    "monitoring:institution_list": [Case("/es/institutions/", EVERYONE, "public")],
    "monitoring:institution_detail": [Case("/es/institutions/{institution}/", EVERYONE, "public")],
    "monitoring:evidence_public_list": [Case("/es/evidence/", EVERYONE, "approved public evidence only")],
    "monitoring:data": [Case("/es/data/", EVERYONE, "public")],
    "monitoring:evidence_csv": [Case("/es/data/evidence.csv", EVERYONE, "public rows only")],
    "monitoring:assessments_csv": [Case("/es/data/assessments.csv", EVERYONE, "published versions only")],
    "monitoring:report_list": [Case("/es/reports/", EVERYONE, "published reports only")],
    "monitoring:report_latest": [
        Case("/es/reports/{report_slug}/", EVERYONE, "latest visible version (v1; v2 is embargoed)"),
        Case("/es/reports/{draft_report_slug}/", NOBODY, "never published: not even its reviewers see a page"),
    ],
    "monitoring:report_version": [
        Case("/es/reports/{report_slug}/v1/", EVERYONE, "published"),
        Case(
            "/es/reports/{report_slug}/v2/",
            expect("404", reviewer="200", moderator="200"),
            "embargoed: only its authors and moderators, marked not public (issue 17)",
        ),
        Case("/es/reports/{draft_report_slug}/v1/", NOBODY, "never published"),
    ],
    "monitoring:report_download": [
        Case("/es/reports/{report_slug}/v1/download.csv", EVERYONE, "published"),
        Case("/es/reports/{report_slug}/v1/download.json", EVERYONE, "published"),
        Case("/es/reports/{report_slug}/v1/download.pdf", EVERYONE, "published (generated once, then stored)"),
        Case("/es/reports/{report_slug}/v1/download.xml", NOBODY, "unknown format"),
        Case(
            "/es/reports/{report_slug}/v2/download.json",
            expect("404", reviewer="200", moderator="200"),
            "embargoed: its authors and moderators",
        ),
    ],
    "monitoring:report_compare": [
        Case("/es/reports/{report_slug}/compare/v1...v2/", NOBODY, "v2 is embargoed: only public versions compare"),
    ],
    "monitoring:report_preview_link": [
        Case("/es/reports/preview/not-a-real-token/", NOBODY, "unknown, expired, revoked or tampered token"),
    ],
    "monitoring:transparency_public": [Case("/es/transparency/", EVERYONE, "public requests' statistics")],
    "monitoring:transparency_public_detail": [
        Case("/es/transparency/requests/{request_public}/", EVERYONE, "marked public by its organisation"),
        Case("/es/transparency/requests/{request_private}/", NOBODY, "private: members read it in the workspace"),
    ],
    "monitoring:transparency_file": [
        Case("/es/transparency/files/{request_public_file}/", EVERYONE, "file of a public request"),
        Case(
            "/es/transparency/files/{request_private_file}/",
            READ_SUBMITTED,
            "file of a private request: its organisation and moderators (no login redirect: a 404 for anonymous)",
        ),
    ],
    # ----------------------------------------------------------------------------------- evidence
    "monitoring:evidence_detail": [
        Case("/es/evidence/{approved_public}/", EVERYONE, "approved and public"),
        Case("/es/evidence/{approved_reviewers}/", READ_REVIEWERS, "reviewers-only: reviewers of any organisation"),
        Case("/es/evidence/{approved_confidential}/", READ_SUBMITTED, "confidential: its organisation, moderators"),
        Case("/es/evidence/{submitted}/", READ_SUBMITTED, "waiting for moderation"),
        Case("/es/evidence/{changes_requested}/", READ_SUBMITTED, "sent back to its organisation"),
        Case("/es/evidence/{withdrawn}/", READ_SUBMITTED, "withdrawn: on record, not public"),
        Case("/es/evidence/{draft}/", READ_OWN_ONLY, "draft: its organisation only, moderators included out"),
    ],
    "monitoring:evidence_import": [
        Case("/es/workspace/evidence/import/", ORGANISATION_MEMBERS, "members of any organisation; others 404")
    ],
    "monitoring:evidence_import_template": [
        Case("/es/workspace/evidence/import/template-es.xlsx", ORGANISATION_MEMBERS, "members only"),
        Case("/es/workspace/evidence/import/template-en.csv", ORGANISATION_MEMBERS, "members only"),
    ],
    "monitoring:evidence_import_job": [
        Case("/es/workspace/evidence/import/{import_job}/", INTERSECTA, "its organisation's members only"),
    ],
    "monitoring:evidence_import_confirm": [
        Case("/es/workspace/evidence/import/{import_job}/confirm/", POST_ONLY, "POST only"),
    ],
    "monitoring:feed_reports": [Case("/es/feeds/reports.atom", EVERYONE, "public versions only (v2 is embargoed)")],
    "monitoring:feed_evidence": [Case("/es/feeds/evidence.atom", EVERYONE, "approved public evidence only")],
    "monitoring:feed_indicator": [
        Case("/es/feeds/indicators/{plan}/I13.atom", EVERYONE, "approved public evidence only"),
        Case("/es/feeds/indicators/{plan}/NOPE.atom", NOBODY, "unknown indicator"),
    ],
    "monitoring:feed_institution": [
        Case("/es/feeds/institutions/{institution}.atom", EVERYONE, "approved public evidence only"),
        Case("/es/feeds/institutions/NOPE.atom", NOBODY, "unknown institution"),
    ],
    "monitoring:og_version": [
        Case("/es/og/reports/{report_slug}/v1.png", EVERYONE, "published: its link-preview image"),
        Case("/es/og/reports/{report_slug}/v2.png", NOBODY, "embargoed: no preview image, not even for its authors"),
        Case("/es/og/reports/{draft_report_slug}/v1.png", NOBODY, "never published"),
    ],
    "monitoring:og_indicator": [
        Case("/es/og/indicators/{plan}/I13.png", EVERYONE, "public: its link-preview image"),
        Case("/es/og/indicators/{plan}/NOPE.png", NOBODY, "unknown indicator"),
    ],
    "monitoring:privacy": [Case("/es/privacy/", EVERYONE, "public")],
    "monitoring:contact": [Case("/es/contact/", EVERYONE, "public")],
    "monitoring:site_page_edit": [
        Case("/es/moderation/pages/privacy/", MODERATORS, "moderators only"),
        Case("/es/moderation/pages/contact/", MODERATORS, "moderators only"),
        Case("/es/moderation/pages/no-such-page/", expect("404", anonymous=LOGIN), "unknown page"),
    ],
    "monitoring:evidence_export": [
        Case(
            "/es/workspace/evidence/export/intersecta.csv", INTERSECTA, "its organisation's people export its evidence"
        ),
        Case("/es/workspace/evidence/export/intersecta.xlsx", INTERSECTA, "the same, as Excel"),
    ],
    "monitoring:attachment_download": [
        Case("/es/files/{approved_public_file}/", EVERYONE, "file of approved public evidence"),
        Case("/es/files/{approved_reviewers_file}/", READ_REVIEWERS, "as its evidence"),
        Case("/es/files/{draft_file}/", READ_OWN_ONLY, "as its evidence"),
    ],
    "monitoring:evidence_list": [
        Case(
            "/es/workspace/evidence/",
            expect("200", anonymous=LOGIN, moderator="302 /es/moderation/"),
            "each person's own workspace (an outsider sees 'no organisation'); moderators go to their queue",
        )
    ],
    "monitoring:evidence_create": [
        Case(
            "/es/workspace/evidence/new/",
            expect(
                "200", anonymous=LOGIN, outsider="302 /es/workspace/evidence/", moderator="302 /es/workspace/evidence/"
            ),
            "members of any organisation; others are sent to the workspace with a message",
        )
    ],
    "monitoring:evidence_edit": [
        Case("/es/workspace/evidence/{draft}/edit/", INTERSECTA, "its organisation's members edit drafts"),
        Case("/es/workspace/evidence/{changes_requested}/edit/", INTERSECTA, "editable again after changes requested"),
        Case(
            "/es/workspace/evidence/{approved_public}/edit/",
            expect(
                "404",
                anonymous=LOGIN,
                member="302 /es/evidence/{approved_public}/",
                reviewer="302 /es/evidence/{approved_public}/",
            ),
            "read-only once submitted: members are sent to the item; a 404 for others, even if public",
        ),
    ],
    "monitoring:evidence_submit": [Case("/es/workspace/evidence/{draft}/submit/", POST_ONLY, "POST only")],
    "monitoring:evidence_delete": [Case("/es/workspace/evidence/{draft}/delete/", POST_ONLY, "POST only")],
    "monitoring:evidence_withdraw": [
        Case("/es/workspace/evidence/{approved_public}/withdraw/", POST_ONLY, "POST only")
    ],
    "monitoring:attachment_remove": [Case("/es/files/{draft_file}/remove/", POST_ONLY, "POST only")],
    "monitoring:preview_image": [
        Case("/es/previews/{approved_public_preview}/", EVERYONE, "preview of a file of approved public evidence"),
        Case("/es/previews/{approved_reviewers_preview}/", READ_REVIEWERS, "as its evidence"),
        Case("/es/previews/{draft_preview}/", READ_OWN_ONLY, "as its evidence"),
    ],
    "monitoring:evidence_comment": [Case("/es/evidence/{submitted}/comments/", POST_ONLY, "POST only")],
    "monitoring:archive_warc": [
        Case("/es/archives/{approved_public_archive}/copy.warc.gz", EVERYONE, "copy of approved public evidence"),
        Case("/es/archives/{approved_reviewers_archive}/copy.warc.gz", READ_REVIEWERS, "as its evidence"),
        Case("/es/archives/{draft_archive}/copy.warc.gz", READ_OWN_ONLY, "as its evidence"),
    ],
    "monitoring:archive_text": [
        Case("/es/archives/{approved_public_archive}/text.txt", EVERYONE, "copy of approved public evidence"),
        Case("/es/archives/{approved_reviewers_archive}/text.txt", READ_REVIEWERS, "as its evidence"),
        Case("/es/archives/{draft_archive}/text.txt", READ_OWN_ONLY, "as its evidence"),
    ],
    "monitoring:archive_request": [Case("/es/evidence/{submitted}/archive/", POST_ONLY, "POST only")],
    # ----------------------------------------------------------------------------------- moderation
    "monitoring:moderation_queue": [Case("/es/moderation/", MODERATORS, "moderators only")],
    "monitoring:audit_log": [Case("/es/moderation/audit/", MODERATORS, "moderators only")],
    "monitoring:audit_log_csv": [Case("/es/moderation/audit/export.csv", MODERATORS, "moderators only")],
    "monitoring:moderation_bulk": [Case("/es/moderation/bulk/", POST_ONLY, "POST only")],
    "monitoring:moderation_note": [Case("/es/moderation/{submitted}/notes/", POST_ONLY, "POST only")],
    "monitoring:moderation_claim": [Case("/es/moderation/{submitted}/claim/", POST_ONLY, "POST only")],
    "monitoring:moderation_release": [Case("/es/moderation/{submitted}/release/", POST_ONLY, "POST only")],
    "monitoring:moderation_duplicate": [Case("/es/moderation/{submitted}/duplicate/", POST_ONLY, "POST only")],
    "monitoring:moderation_visibility": [Case("/es/moderation/{submitted}/visibility/", POST_ONLY, "POST only")],
    "monitoring:reliability_scale": [Case("/es/about/reliability/", EVERYONE, "public")],
    "monitoring:moderation_item": [
        Case("/es/moderation/{submitted}/", MODERATORS, "ever submitted"),
        Case("/es/moderation/{approved_confidential}/", MODERATORS, "ever submitted"),
        Case("/es/moderation/{withdrawn}/", MODERATORS, "ever submitted"),
        Case("/es/moderation/{draft}/", expect("404", anonymous=LOGIN), "drafts do not exist for moderators"),
    ],
    # ----------------------------------------------------------------------------------- report editor
    "monitoring:report_workspace": [Case("/es/workspace/reports/", REVIEWERS, "reviewers of any organisation")],
    "monitoring:report_create": [Case("/es/workspace/reports/new/", REVIEWERS, "reviewers of any organisation")],
    "monitoring:report_edit": [
        Case("/es/workspace/reports/{report}/", INTERSECTA_REVIEWER, "published, with unpublished edits"),
        Case("/es/workspace/reports/{draft_report}/", INTERSECTA_REVIEWER, "never published"),
        Case("/es/workspace/reports/{invited_report}/", INTERSECTA_REVIEWER, "Data Cívica invited, not yet accepted"),
    ],
    "monitoring:report_pillar": [
        Case("/es/workspace/reports/{report}/pillars/{pillar}/", INTERSECTA_REVIEWER, "authoring reviewers"),
        Case("/es/workspace/reports/{report}/pillars/NOPE/", expect("404", anonymous=LOGIN), "unknown pillar"),
    ],
    "monitoring:report_preview": [
        Case("/es/workspace/reports/{report}/preview/", INTERSECTA_REVIEWER, "the unpublished working copy")
    ],
    "monitoring:report_publication_request": [
        Case("/es/workspace/reports/{draft_report}/publication/request/", POST_ONLY, "POST only")
    ],
    "monitoring:report_publication_cancel": [
        Case("/es/workspace/reports/{report}/publication/cancel/", POST_ONLY, "POST only")
    ],
    "monitoring:report_publication_approve": [
        Case("/es/workspace/reports/{report}/publication/approve/", POST_ONLY, "POST only")
    ],
    # An embargoed version's page (issue 17): its authors only; each verb POST only.
    "monitoring:report_embargo": [
        Case("/es/workspace/reports/{report}/v2/embargo/", INTERSECTA_REVIEWER, "authoring reviewers"),
    ],
    "monitoring:report_embargo_request": [
        Case("/es/workspace/reports/{report}/v2/embargo/request/", POST_ONLY, "POST only")
    ],
    "monitoring:report_embargo_approve": [
        Case("/es/workspace/reports/{report}/v2/embargo/approve/", POST_ONLY, "POST only")
    ],
    "monitoring:report_embargo_cancel": [
        Case("/es/workspace/reports/{report}/v2/embargo/cancel/", POST_ONLY, "POST only")
    ],
    "monitoring:report_preview_link_create": [
        Case("/es/workspace/reports/{report}/v2/previews/new/", POST_ONLY, "POST only")
    ],
    "monitoring:report_preview_link_revoke": [
        Case(
            "/es/workspace/reports/{report}/v2/previews/00000000-0000-0000-0000-000000000000/revoke/",
            POST_ONLY,
            "POST only",
        )
    ],
    # Co-authorship by consent: the invited organisation's reviewers reach its consent page, and nothing else.
    "monitoring:report_coauthorship": [
        Case("/es/workspace/reports/{report}/coauthorship/", INTERSECTA_REVIEWER, "authors (may withdraw)"),
        Case("/es/workspace/reports/{invited_report}/coauthorship/", REVIEWERS, "authors, and the invited"),
    ],
    "monitoring:report_coauthorship_accept": [
        Case("/es/workspace/reports/{invited_report}/coauthorship/accept/", POST_ONLY, "POST only")
    ],
    "monitoring:report_coauthorship_decline": [
        Case("/es/workspace/reports/{invited_report}/coauthorship/decline/", POST_ONLY, "POST only")
    ],
    "monitoring:report_coauthor_invite": [
        Case("/es/workspace/reports/{report}/coauthors/invite/", POST_ONLY, "POST only")
    ],
    "monitoring:report_coauthor_cancel": [
        Case("/es/workspace/reports/{invited_report}/coauthors/data-civica/cancel/", POST_ONLY, "POST only")
    ],
    "monitoring:report_coauthorship_withdraw": [
        Case("/es/workspace/reports/{report}/coauthorship/withdraw/", POST_ONLY, "POST only")
    ],
    # ----------------------------------------------------------------------------------- transparency
    "monitoring:transparency_list": [
        Case("/es/workspace/requests/", ORGANISATION_MEMBERS, "members of any organisation see their own")
    ],
    "monitoring:transparency_create": [
        Case("/es/workspace/requests/new/", ORGANISATION_MEMBERS, "members of any organisation file requests")
    ],
    "monitoring:transparency_detail": [
        Case("/es/workspace/requests/{request_private}/", INTERSECTA, "its organisation only; not moderators"),
        Case("/es/workspace/requests/{request_public}/", INTERSECTA, "public ones too: the workspace page is theirs"),
    ],
    "monitoring:transparency_answer": [
        Case("/es/workspace/requests/{request_private}/answer/", POST_ONLY, "POST only")
    ],
    "monitoring:transparency_appeal": [
        Case("/es/workspace/requests/{request_private}/appeal/", POST_ONLY, "POST only")
    ],
    "monitoring:transparency_extend": [
        Case("/es/workspace/requests/{request_private}/extend/", POST_ONLY, "POST only")
    ],
    "monitoring:transparency_withdraw": [
        Case("/es/workspace/requests/{request_private}/withdraw/", POST_ONLY, "POST only")
    ],
    "monitoring:transparency_evidence": [
        Case("/es/workspace/requests/{request_private}/evidence/", POST_ONLY, "POST only")
    ],
    # ----------------------------------------------------------------------------------- accounts
    "portal:login": [
        Case(
            "/es/accounts/login/",
            expect("302 /es/workspace/evidence/", anonymous="200"),
            "logged-in people go to their workspace",
        )
    ],
    "portal:logout": [Case("/es/accounts/logout/", expect("405"), "POST only (Django's LogoutView)")],
    "portal:password_reset": [Case("/es/accounts/password/reset/", EVERYONE, "public form")],
    "portal:password_reset_done": [Case("/es/accounts/password/reset/sent/", EVERYONE, "static page")],
    "portal:password_reset_confirm": [
        Case(
            "/es/accounts/password/reset/{member_uidb64}/not-a-token/",
            EVERYONE,
            "an invalid link renders 'this link is not valid'",
        )
    ],
    "portal:password_reset_complete": [Case("/es/accounts/password/reset/done/", EVERYONE, "static page")],
    "portal:password_change": [Case("/es/accounts/password/change/", ANY_ACCOUNT, "own account")],
    "portal:profile": [Case("/es/accounts/profile/", ANY_ACCOUNT, "own account")],
    "portal:inbox": [Case("/es/accounts/inbox/", ANY_ACCOUNT, "own notifications")],
    "portal:inbox_open": [
        Case("/es/accounts/inbox/999999999/", expect("404", anonymous=LOGIN), "someone else's or none: 404")
    ],
    "portal:inbox_read": [Case("/es/accounts/inbox/999999999/read/", POST_ONLY, "a POST verb")],
    "portal:inbox_read_all": [Case("/es/accounts/inbox/read-all/", POST_ONLY, "a POST verb")],
    "portal:two_factor_setup": [Case("/es/accounts/two-factor/", ANY_ACCOUNT, "own account")],
    "portal:two_factor_verify": [
        Case(
            "/es/accounts/two-factor/verify/",
            expect("302 /es/accounts/two-factor/", anonymous=LOGIN),
            "no confirmed device yet: set one up first",
        )
    ],
    "portal:two_factor_recovery_codes": [Case("/es/accounts/two-factor/recovery-codes/", POST_ONLY, "POST only")],
    "portal:two_factor_disable": [Case("/es/accounts/two-factor/disable/", POST_ONLY, "POST only")],
    "portal:reauthenticate": [Case("/es/accounts/reauthenticate/", ANY_ACCOUNT, "own account")],
    "portal:invitation_create": [Case("/es/accounts/invitations/new/", MODERATORS, "moderators only")],
    "portal:outbox": [Case("/es/outbox/", MODERATORS, "moderators only: failed mail, never bodies")],
    "portal:outbox_retry": [Case("/es/outbox/1/retry/", POST_ONLY, "POST only")],
    "portal:invitation_accept": [
        Case("/es/accounts/invitation/{invitation_token}/", EVERYONE, "the token is the credential"),
        Case("/es/accounts/invitation/{expired_token}/", expect("410"), "expired: gone, for everyone"),
        Case("/es/accounts/invitation/not-a-real-token/", NOBODY, "unknown token"),
    ],
    "portal:account_unlock": [
        Case("/es/accounts/unlock/{unlock_token}/", EVERYONE, "the e-mailed token is the credential; GET uses nothing"),
        Case("/es/accounts/unlock/{used_unlock_token}/", expect("410"), "used or expired: gone, for everyone"),
        Case("/es/accounts/unlock/not-a-real-token/", NOBODY, "unknown token"),
    ],
    # ----------------------------------------------------------------------------------- organisations and people
    "portal:invitation_confirm": [
        Case("/es/accounts/invitations/{moderator_invitation}/", MODERATORS, "moderators confirm moderator invitations")
    ],
    "portal:invitation_confirm_post": [
        Case("/es/accounts/invitations/{moderator_invitation}/confirm/", POST_ONLY, "POST only")
    ],
    "portal:invitation_cancel": [
        Case("/es/accounts/invitations/{moderator_invitation}/cancel/", POST_ONLY, "POST only")
    ],
    "portal:my_organisations": [Case("/es/accounts/organisations/", ANY_ACCOUNT, "own memberships")],
    "portal:organisation_leave": [
        Case("/es/accounts/organisations/intersecta/leave/", INTERSECTA, "its own people (confirmation page)")
    ],
    "portal:people_list": [Case("/es/manage/people/", MODERATORS, "moderators only")],
    "portal:person_detail": [Case("/es/manage/people/{member_uuid}/", MODERATORS, "moderators only")],
    "portal:person_deactivate": [Case("/es/manage/people/{member_uuid}/deactivate/", POST_ONLY, "POST only")],
    "portal:person_reactivate": [Case("/es/manage/people/{member_uuid}/reactivate/", POST_ONLY, "POST only")],
    "portal:organisation_list": [Case("/es/manage/organisations/", MODERATORS, "moderators only")],
    "portal:organisation_create": [Case("/es/manage/organisations/new/", MODERATORS, "moderators only")],
    "portal:organisation_manage": [
        Case("/es/manage/organisations/intersecta/", MODERATORS, "moderators only"),
        Case("/es/manage/organisations/no-such-org/", expect("404", anonymous=LOGIN), "unknown slug"),
    ],
    "portal:organisation_edit": [Case("/es/manage/organisations/intersecta/edit/", MODERATORS, "moderators only")],
    "portal:membership_role": [
        Case("/es/manage/organisations/intersecta/people/{member_uuid}/role/", POST_ONLY, "POST only")
    ],
    "portal:membership_remove": [
        Case("/es/manage/organisations/intersecta/people/{member_uuid}/remove/", POST_ONLY, "POST only")
    ],
    "monitoring:organisation_public_list": [Case("/es/organisations/", EVERYONE, "organisations with public work")],
    "monitoring:organisation_public": [
        Case("/es/organisations/intersecta/", EVERYONE, "has approved public evidence"),
        Case("/es/organisations/data-civica/", NOBODY, "no public work yet: no public page"),
    ],
    "monitoring:organisation_logo": [Case("/es/organisations/intersecta/logo/", NOBODY, "no logo uploaded")],
}

# Statuses that break the promise, as they are today: (pattern, role) → the status observed. MATRIX keeps what the
# promise wants. When the view is fixed, the test fails here: delete the row.
KNOWN_DEVIATIONS: dict[tuple[str, str], str] = {}


# ----------------------------------------------------------------------------------- the URLconf


def url_patterns() -> dict[str, str]:
    """Every pattern of the URLconf (i18n ones under the active language): key → route."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                key = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else route
                found.setdefault(key, route)

    with translation.override("es"):
        walk(get_resolver().url_patterns, "", None)
    return found


def is_admin(key: str, route: str) -> bool:
    return key.startswith("admin:") or route.startswith("es/admin/")


def test_every_url_pattern_has_a_row():
    keys = {key for key, route in url_patterns().items() if not is_admin(key, route)}
    missing = sorted(keys - set(MATRIX))
    stale = sorted(set(MATRIX) - keys)
    assert not missing, f"URL patterns without a row in MATRIX: {missing}"
    assert not stale, f"rows in MATRIX for patterns that no longer exist: {stale}"
    for key, cases in MATRIX.items():
        for case in cases:
            assert set(case.expected) == set(ROLES), key
    assert set(KNOWN_DEVIATIONS) <= {(key, role) for key in MATRIX for role in ROLES}


# ----------------------------------------------------------------------------------- the world


def build_world(cast, mx_plan) -> dict[str, str]:
    """One of everything, owned by Intersecta, created the normal way where a service exists."""
    i13 = Indicator.objects.get(plan=mx_plan, code="I13")
    now = timezone.now()
    world: dict[str, str] = {
        "plan": mx_plan.slug,
        "indicator_pk": str(i13.pk),
        "institution": "SRE",
        "pillar": Pillar.objects.filter(plan=mx_plan).order_by("position").values_list("code", flat=True)[0],
        "member_uidb64": urlsafe_base64_encode(force_bytes(cast.member.pk)),
        "member_uuid": str(cast.member.uuid),
    }

    def evidence(name: str, status: str, visibility: str, with_file: bool = False) -> None:
        item = EvidenceFactory(
            organisation=cast.intersecta,
            submitted_by=cast.member,
            plan=mx_plan,
            indicators=[i13],
            status=status,
            visibility=visibility,
            submitted_at=None if status == EvidenceStatus.DRAFT else now,
            title=f"Intersecta {name}",
        )
        world[name] = str(item.uuid)
        if with_file:
            attachment = EvidenceAttachment(
                evidence=item,
                original_name="informe.pdf",
                content_type="application/pdf",
                size=15,
                sha256="0" * 64,
                original_sha256="0" * 64,
                uploaded_by=cast.member,
            )
            attachment.file.save("informe.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
            attachment.save()
            world[f"{name}_file"] = str(attachment.uuid)
            # Its inline preview (monitoring/previews.py), served to who may read the item.
            preview = AttachmentPreview.objects.create(attachment=attachment, status="ready", page_count=1)
            page = PreviewPage(preview=preview, number=1, content_type="image/png", width=1, height=1)
            page.file.save("preview", ContentFile(image_bytes("PNG", (1, 1))), save=False)
            page.save()
            world[f"{name}_preview"] = str(page.uuid)
            # An archived copy of its source URL (monitoring/archiving.py), readable as the item.
            copy = SourceArchive(
                evidence=item,
                requested_url=item.source_url,
                status="archived",
                http_status=200,
                sha256="0" * 64,
                retrieved_at=now,
                text="Texto de la fuente.",
                requested_by=cast.member,
            )
            copy.warc.save("copy", ContentFile(b"WARC/1.1\r\n"), save=False)
            copy.save()
            world[f"{name}_archive"] = str(copy.uuid)

    evidence("draft", EvidenceStatus.DRAFT, Visibility.PUBLIC, with_file=True)
    evidence("submitted", EvidenceStatus.SUBMITTED, Visibility.CONFIDENTIAL)
    evidence("changes_requested", EvidenceStatus.CHANGES_REQUESTED, Visibility.PUBLIC)
    evidence("approved_public", EvidenceStatus.APPROVED, Visibility.PUBLIC, with_file=True)
    evidence("approved_reviewers", EvidenceStatus.APPROVED, Visibility.REVIEWERS, with_file=True)
    evidence("approved_confidential", EvidenceStatus.APPROVED, Visibility.CONFIDENTIAL)
    evidence("withdrawn", EvidenceStatus.WITHDRAWN, Visibility.PUBLIC)

    # Reports of Intersecta alone, so Data Cívica's reviewer is a reviewer of another organisation. Publishing
    # needs a second Intersecta reviewer (two people), who is not one of the roles under test.
    second = MembershipFactory(organisation=cast.intersecta, role=Role.REVIEWER).user

    def report(slug: str, *invited):
        return report_service.create_report(
            actor=cast.reviewer,
            organisations=[cast.intersecta, *invited],
            fields={
                "title": f"Informe {slug}",
                "slug": slug,
                "plan": mx_plan,
                "period_start": dt.date(2021, 1, 1),
                "period_end": dt.date(2021, 12, 31),
                "executive_summary": "Resumen.",
            },
        )

    published = report("informe-publicado")
    report_service.request_publication(report=published, actor=cast.reviewer)
    report_service.approve_publication(report=published, actor=second)

    def edit(text: str) -> None:
        published.refresh_from_db()
        report_service.update_report(
            report=published,
            actor=cast.reviewer,
            fields={"executive_summary": text},
            expected_version=published.version,
        )

    edit("Corrected summary.")
    report_service.request_publication(
        report=published, actor=cast.reviewer, change_note="Embargo.", public_from=now + dt.timedelta(days=30)
    )
    report_service.approve_publication(report=published, actor=second)
    edit("Unpublished edit.")  # the working copy now differs from every version
    draft = report("informe-borrador")
    world.update(
        report=str(published.uuid),
        report_slug=published.slug,
        draft_report=str(draft.uuid),
        draft_report_slug=draft.slug,
        invited_report=str(report("informe-invitado", cast.data_civica).uuid),
    )

    sre = Institution.objects.get(code="SRE")
    for name, is_public in (("request_public", True), ("request_private", False)):
        request = TransparencyRequestFactory(
            organisation=cast.intersecta, created_by=cast.member, institution=sre, is_public=is_public
        )
        world[name] = str(request.uuid)
        world[f"{name}_file"] = str(TransparencyAttachmentFactory(request=request, uploaded_by=cast.member).uuid)

    def invite(email: str) -> str:
        _invitation, token = portal_services.create_invitation(
            email=email,
            organisation=cast.intersecta,
            role=Role.MEMBER,
            language="es",
            actor=cast.moderator,
            accept_url_for=lambda token: f"https://testserver/es/accounts/invitation/{token}/",
        )
        return token

    world["invitation_token"] = invite("new-member@intersecta.test")
    moderator_invitation, _token = portal_services.create_invitation(
        email="new-moderator@observatorio.test",
        organisation=None,
        role="moderator",
        language="es",
        actor=cast.moderator,
        accept_url_for=lambda token: token,
    )
    world["moderator_invitation"] = str(moderator_invitation.uuid)
    world["expired_token"] = invite("late@intersecta.test")
    Invitation.objects.filter(email="late@intersecta.test").update(expires_at=now - dt.timedelta(days=1))
    for name, used_at in (("unlock_token", None), ("used_unlock_token", now)):
        world[name] = f"{name}-{'x' * 30}"
        AccountUnlock.objects.create(
            user=cast.outsider,
            token_hash=portal_services.hash_token(world[name]),
            expires_at=now + dt.timedelta(minutes=30),
            used_at=used_at,
        )
    from monitoring.models import ImportJob

    job = ImportJob(
        organisation=cast.intersecta,
        plan=mx_plan,
        uploaded_by=cast.member,
        original_name="e.csv",
        size=6,
        sha256="0" * 64,
        language="es",
    )
    job.file.save("e.csv", ContentFile(b"Title\n"), save=False)
    job.save()
    world["import_job"] = str(job.uuid)
    return world


def status_of(response) -> str:
    if 300 <= response.status_code < 400:
        return f"{response.status_code} {response['Location']}"
    return str(response.status_code)


def matches(observed: str, expected: str) -> bool:
    code, _, location = expected.partition(" ")
    got_code, _, got_location = observed.partition(" ")
    return code == got_code and got_location.startswith(location)


def log_in(client, cast, role: str) -> None:
    if role != "anonymous":
        client.force_login(getattr(cast, role))


# ----------------------------------------------------------------------------------- the matrix


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_matrix_says(client, cast, mx_plan, role, monkeypatch):
    # Rendering the PDF takes seconds and is tested with the reports; who may download it is decided before.
    monkeypatch.setattr("monitoring.published_files.version_pdf", lambda *args: b"%PDF-1.4\n%%EOF\n")
    world = build_world(cast, mx_plan)
    log_in(client, cast, role)
    wrong = []
    for key, cases in MATRIX.items():
        for case in cases:
            url = case.url.format(**world)
            wanted = KNOWN_DEVIATIONS.get((key, role), case.expected[role]).format(**world)
            observed = status_of(client.get(url, follow=False))
            if not matches(observed, wanted):
                deviation = " (a KNOWN_DEVIATIONS row: fixed? delete it)" if (key, role) in KNOWN_DEVIATIONS else ""
                wrong.append(f"{role} GET {url}: expected {wanted}, got {observed}{deviation} [{case.why}]")
    assert not wrong, "\n".join(wrong)


# ----------------------------------------------------------------------------------- Django's admin
# The admin's patterns are generated per registered model, so they are covered by a rule rather than by rows:
# people who are not staff are sent to the admin's login (which is the only page they reach); the moderator is staff
# holding only the moderate permission, so the admin's own checks apply: its index and account pages answer, every
# model page is a 403 (Django's admin answers 403, not 404 — it shows that a model exists, never a row), an app
# whose models they may not see is a 404, and the "<id>/" shortcuts redirect to the change page (then 403).


def admin_urls(world_pks: dict[str, str]) -> dict[str, str]:
    urls = {}
    for key, route in url_patterns().items():
        if not is_admin(key, route):
            continue
        path = route
        if key == "admin:app_list":
            path = "es/admin/monitoring/"
        elif "(?P<url>" in route:  # the admin's catch-all
            path = "es/admin/no-such-page/"
        elif key == "admin:view_on_site":
            path = f"es/admin/r/{world_pks['evidence_ct']}/{world_pks['evidence_pk']}/"
        else:
            parts = path.split("/")
            model = apps.get_model(parts[2], parts[3]) if len(parts) > 4 and "<" in path else None
            rows = model._default_manager.order_by("pk") if model else None
            if model is not None and model._meta.label == "monitoring.Evidence":
                rows = rows.filter(pk=world_pks["evidence_pk"])  # the admin hides drafts
            pk = str(rows.values_list("pk", flat=True).first() or 0) if rows is not None else ""
            path = re.sub(r"<path:object_id>|<id>|<int:pk>", pk, path)
        assert "<" not in path and "(?P" not in path, f"build a URL for {key}: {route}"
        urls[key] = "/" + path
    return urls


def admin_expectation(key: str, url: str, role: str) -> str:
    if role != "moderator":
        if key == "admin:login":
            return "200"
        if key == "admin:logout":
            return "302 /es/admin/"
        return "302 /es/admin/login/?next="
    if key in ("admin:index", "admin:jsi18n", "admin:password_change", "admin:password_change_done"):
        return "200"
    if key == "admin:login":
        return "302 /es/admin/"
    if key == "admin:logout":
        return "405"
    if key == "admin:app_list":
        return "404"
    if key == "admin:view_on_site":
        return "302 http://testserver/es/evidence/"
    if "(?P<url>" in key:
        return "404"
    if key.endswith("_history") and url.split("/")[-3] == "0":  # no such row: Django's "does not exist" redirect
        return "302 /es/admin/"
    if not key.startswith("admin:"):  # "<path:object_id>/" → the change page
        return "302 /es/admin/"
    return "403"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_staff_and_shows_moderators_no_rows(client, cast, mx_plan, role):
    world = build_world(cast, mx_plan)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from monitoring.models import Evidence

    TOTPDevice.objects.create(user=cast.moderator, name="authenticator", confirmed=False)  # for its config pages

    pks = {
        "evidence_ct": str(ContentType.objects.get_for_model(Evidence).pk),
        "evidence_pk": str(Evidence.objects.get(uuid=world["approved_public"]).pk),
    }
    log_in(client, cast, role)
    wrong = []
    for key, url in admin_urls(pks).items():
        observed = status_of(client.get(url, follow=False))
        wanted = admin_expectation(key, url, role)
        if not matches(observed, wanted):
            wrong.append(f"{role} GET {url} ({key}): expected {wanted}, got {observed}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_admin_never_shows_a_totp_secret_and_a_missing_device_is_no_500(client, cast):
    """django_otp's TOTP config and QR views would fetch the device before any check (a 500 for a missing one)
    and show the secret; OTP_ADMIN_HIDE_SENSITIVE_DATA makes both a 403 for everyone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.raise_request_exception = False
    client.force_login(cast.moderator)
    device = TOTPDevice.objects.create(user=cast.reviewer, name="phone", confirmed=True)
    for pk in (999999, device.pk):
        assert client.get(f"/es/admin/otp_totp/totpdevice/{pk}/config/").status_code == 403
        assert client.get(f"/es/admin/otp_totp/totpdevice/{pk}/qrcode/").status_code == 403
