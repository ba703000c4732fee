"""The only way views fetch scoped monitoring objects. Anything outside the user's reach is a 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from monitoring.models import (
    Evidence,
    EvidenceAttachment,
    Report,
    ReportVersion,
    TransparencyAttachment,
    TransparencyRequest,
)
from portal.permissions import is_moderator, organisations_of, reviewer_organisation_ids


def get_evidence_for_user(user: Any, uuid: UUID | str) -> Evidence:
    """Evidence ``user`` may read (see EvidenceQuerySet.visible_to), or 404."""
    return get_object_or_404(
        Evidence.objects.visible_to(user).select_related("plan", "organisation", "submitted_by"), uuid=uuid
    )


def get_evidence_for_member(user: Any, uuid: UUID | str) -> Evidence:
    """Evidence of one of ``user``'s organisations (for editing, submitting, deleting), or 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Evidence.objects.filter(organisation__in=organisations_of(user)).select_related("plan", "organisation"),
        uuid=uuid,
    )


def get_attachment_for_user(user: Any, uuid: UUID | str) -> EvidenceAttachment:
    """An attachment whose evidence ``user`` may read, or 404. Files are never public otherwise."""
    return get_object_or_404(
        EvidenceAttachment.objects.filter(evidence__in=Evidence.objects.visible_to(user)).select_related("evidence"),
        uuid=uuid,
    )


def can_see_custody(user: Any, evidence: Evidence) -> bool:
    """Hashes, uploaders and history are for the organisation's members and moderators."""
    return is_moderator(user) or organisations_of(user).filter(pk=evidence.organisation_id).exists()


def can_converse(user: Any, evidence: Evidence) -> bool:
    """The thread of an item is between its organisation's members and the moderators (who never see drafts)."""
    if not user.is_authenticated:
        return False
    if organisations_of(user).filter(pk=evidence.organisation_id).exists():
        return True
    return is_moderator(user) and evidence.was_submitted


def get_evidence_for_conversation(user: Any, uuid: UUID | str) -> Evidence:
    """An item whose thread ``user`` may read and write (see can_converse), or 404."""
    if not user.is_authenticated:
        raise Http404
    evidence = get_evidence_for_user(user, uuid)
    if not can_converse(user, evidence):
        raise Http404
    return evidence


def get_preview_page_for_user(user: Any, uuid: UUID | str) -> Any:
    """A rendered preview of an attachment whose item ``user`` may read, or 404 (like the file itself)."""
    from monitoring.models import PreviewPage

    return get_object_or_404(
        PreviewPage.objects.filter(preview__attachment__evidence__in=Evidence.objects.visible_to(user)), uuid=uuid
    )


def get_evidence_for_moderator(user: Any, uuid: UUID | str) -> Evidence:
    """Any item that has been submitted at least once, for moderators only; 404 for everyone else."""
    if not is_moderator(user):
        raise Http404
    return get_object_or_404(
        Evidence.objects.ever_submitted().select_related("plan", "organisation", "submitted_by"), uuid=uuid
    )


def require_moderator(user: Any) -> None:
    """Moderation pages do not exist for anyone else."""
    if not is_moderator(user):
        raise Http404


def reports_for_reviewer(user: Any) -> Any:
    """Reports whose authoring organisations include one the user reviews for."""
    return Report.objects.filter(organisations__in=reviewer_organisation_ids(user)).distinct()


def get_report_for_reviewer(user: Any, uuid: UUID | str) -> Any:
    """A report the user may edit (reviewer of an authoring organisation), or 404 — even once published."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(reports_for_reviewer(user).select_related("plan"), uuid=uuid)


def get_report_for_invited_reviewer(user: Any, uuid: UUID | str) -> Any:
    """A report on which an organisation the user reviews for is invited or an author (its consent page), or 404.

    Only the consent page and its verbs use this: an invitation gives no other right on the report.
    """
    if not user.is_authenticated:
        raise Http404
    reports = Report.objects.filter(
        coauthorships__organisation_id__in=reviewer_organisation_ids(user),
        coauthorships__status__in=["pending", "accepted"],
    ).distinct()
    return get_object_or_404(reports.select_related("plan"), uuid=uuid)


def get_public_version(slug: str, number: int | None = None) -> Any:
    """A published version whose embargo has passed (the latest when ``number`` is None), or 404."""
    versions = ReportVersion.objects.visible().filter(report__slug=slug).select_related("report")
    if number is None:
        version = versions.order_by("-number").first()
        if version is None:
            raise Http404
        return version
    return get_object_or_404(versions, number=number)


def get_version_for_reader(user: Any, slug: str, number: int) -> Any:
    """A version at its permalink: public, or still embargoed for its authors (reviewers of an organisation whose
    co-authorship is accepted) and moderators; 404 for everyone else."""
    version = ReportVersion.objects.filter(report__slug=slug, number=number).select_related("report").first()
    if version is None:
        raise Http404
    if version.is_public:
        return version
    if user.is_authenticated and (
        is_moderator(user) or version.report.organisations.filter(pk__in=reviewer_organisation_ids(user)).exists()
    ):
        return version
    raise Http404


def get_version_for_author(user: Any, uuid: UUID | str, number: int) -> Any:
    """A published version of a report the user may edit (its embargo page), or 404."""
    report = get_report_for_reviewer(user, uuid)
    return get_object_or_404(ReportVersion.objects.select_related("report"), report=report, number=number)


def get_preview_link(token: str) -> Any:
    """The preview link whose token this is, while it is neither revoked nor expired; 404 otherwise (a tampered,
    unknown, expired or revoked token all look the same)."""
    from django.utils import timezone

    from monitoring.models import EmbargoPreviewLink
    from monitoring.services.embargo import preview_token_hash

    if not token or len(token) > 100:
        raise Http404
    return get_object_or_404(
        EmbargoPreviewLink.objects.select_related("version__report"),
        token_hash=preview_token_hash(token),
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def get_request_for_member(user: Any, uuid: UUID | str) -> Any:
    """A transparency request of one of the user's organisations, or 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        TransparencyRequest.objects.filter(organisation__in=organisations_of(user)).select_related(
            "institution", "organisation"
        ),
        uuid=uuid,
    )


def get_public_request(uuid: UUID | str) -> Any:
    """A request its organisation marked public, or 404."""
    return get_object_or_404(
        TransparencyRequest.objects.public().select_related("institution", "organisation"), uuid=uuid
    )


def get_transparency_file_for_user(user: Any, uuid: UUID | str) -> Any:
    """An answer file: of a public request, or of the user's organisation, or for moderators; else 404."""
    allowed = Q(request__in=TransparencyRequest.objects.public())
    if user.is_authenticated:
        allowed |= Q(request__organisation__in=organisations_of(user))
        if is_moderator(user):
            allowed = Q()
    return get_object_or_404(TransparencyAttachment.objects.filter(allowed).select_related("request"), uuid=uuid)


def get_import_job_for_member(user: Any, uuid: UUID | str) -> Any:
    """A spreadsheet import of one of the user's organisations, or 404."""
    from monitoring.models import ImportJob

    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        ImportJob.objects.filter(organisation__in=organisations_of(user)).select_related(
            "organisation", "plan", "uploaded_by"
        ),
        uuid=uuid,
    )
