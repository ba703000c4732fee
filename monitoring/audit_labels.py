"""Readable labels for audit action codes shown to members and moderators."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "monitoring.evidence.created": _("created"),
    "monitoring.evidence.updated": _("edited"),
    "monitoring.evidence.submitted": _("submitted for review"),
    "monitoring.evidence.attachment_added": _("attached a file"),
    "monitoring.evidence.attachment_removed": _("removed a file"),
    "monitoring.evidence.draft_deleted": _("deleted the draft"),
    "monitoring.evidence.approved": _("approved"),
    "monitoring.evidence.changes_requested": _("asked for changes"),
    "monitoring.evidence.rejected": _("rejected"),
    "monitoring.evidence.withdrawn": _("withdrew"),
}


def label_for(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
