"""Readable labels for the audit trail: every action code and every kind of object, in the reader's language.

Members read these in an item's history, moderators in the audit log and its CSV export: nobody is shown a raw
code such as ``monitoring.evidence.changes_requested``. ``tests/portal/test_action_labels.py`` reads the source
for every code the application can write (the ``action`` of each ``audit.record(...)`` call) and fails when one
has no label here or no Spanish translation.

A label is what the person did, to be read after their name ("Ana López: asked for changes"). Codes built at run
time (the Django admin's ``<app>.<model>.admin_changed``, the catalogue import's ``monitoring.<model>.updated``)
are read by their last part (``VERB_LABELS``); an unknown code still reads as a sentence (``GENERIC_LABEL``).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # Evidence (monitoring/services/evidence.py, moderation.py, conversations.py)
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
    "monitoring.evidence.commented": _("commented"),
    "monitoring.evidence.internal_note": _("left an internal note"),
    "monitoring.evidence.internal_note_added": _("left an internal note"),
    "monitoring.evidence.claimed": _("took the item for review"),
    "monitoring.evidence.released": _("released the item"),
    "monitoring.evidence.claim_released": _("released the item"),
    "monitoring.evidence.marked_duplicate": _("marked the item as a duplicate"),
    "monitoring.evidence.reliability_changed": _("changed the reliability assessment"),
    "monitoring.evidence.visibility_changed": _("changed the visibility"),
    # Shadow reports and their assessments (monitoring/services/reports.py)
    "monitoring.report.created": _("created the report"),
    "monitoring.report.updated": _("edited the report"),
    "monitoring.report.reopened": _("reopened the report for editing"),
    "monitoring.report.publication_requested": _("asked to publish a version"),
    "monitoring.report.publication_refused": _("refused the publication"),
    "monitoring.report.published": _("published a version"),
    "monitoring.report.embargo_changed": _("changed the embargo"),
    "monitoring.report.embargo_change_requested": _("asked to change the embargo"),
    "monitoring.report.embargo_change_cancelled": _("cancelled the embargo change"),
    "monitoring.report.embargo_moved": _("moved the embargo"),
    "monitoring.report.embargo_lifted": _("lifted the embargo"),
    "monitoring.report.preview_link_created": _("created a preview link"),
    "monitoring.report.preview_link_revoked": _("revoked a preview link"),
    "monitoring.report.coauthor_invited": _("invited an organisation to co-author"),
    "monitoring.report.coauthor_invitation_cancelled": _("cancelled a co-authorship invitation"),
    "monitoring.report.coauthor_accepted": _("accepted the co-authorship"),
    "monitoring.report.coauthor_declined": _("declined the co-authorship"),
    "monitoring.report.coauthor_withdrawn": _("withdrew from the co-authorship"),
    "monitoring.assessment.updated": _("edited the assessment"),
    # Transparency requests (monitoring/services/transparency.py)
    "monitoring.transparency.filed": _("filed the request"),
    "monitoring.transparency.answered": _("recorded the answer"),
    "monitoring.transparency.extended": _("recorded an extension"),
    "monitoring.transparency.appeal": _("recorded an appeal"),
    "monitoring.transparency.withdrawn": _("withdrew the request"),
    "monitoring.transparency.converted": _("turned the answer into evidence"),
    # People, organisations and invitations (portal/)
    "portal.user.created": _("created the account"),
    "portal.user.profile_updated": _("edited the profile"),
    "portal.user.password_changed": _("changed the password"),
    "portal.user.two_factor_enabled": _("turned on two-factor authentication"),
    "portal.user.two_factor_disabled": _("turned off two-factor authentication"),
    "portal.user.recovery_codes_renewed": _("renewed the recovery codes"),
    "portal.user.locked_out": _("locked the account after failed logins"),
    "portal.user.unlocked": _("unlocked the account"),
    "portal.user.deactivated": _("deactivated the account"),
    "portal.user.reactivated": _("reactivated the account"),
    "portal.organisation.created": _("created the organisation"),
    "portal.organisation.updated": _("edited the organisation"),
    "monitoring.evidence.archive_requested": _("asked for a new archived copy of the source"),
    "monitoring.site_page.updated": _("edited the site page"),
    "portal.organisation.evidence_exported": _("exported the organisation's evidence"),
    "portal.membership.created": _("added a member"),
    "portal.membership.role_changed": _("changed a member's role"),
    "portal.membership.removed": _("removed a member"),
    "portal.membership.left": _("left the organisation"),
    "portal.invitation.created": _("sent an invitation"),
    "portal.invitation.confirmed": _("confirmed the invitation"),
    "portal.invitation.accepted": _("accepted the invitation"),
    "portal.invitation.revoked": _("revoked the invitation"),
    "portal.invitation.cancelled": _("cancelled the invitation"),
    "portal.notification_preferences.updated": _("changed the notification preferences"),
    "portal.mail.retried": _("sent an e-mail again"),
    "portal.audit.exported": _("exported the audit log"),
}

# The catalogue import writes monitoring.<model>.created / .updated; the admin's "retire" action .retired.
CATALOGUE_MODELS = ("plan", "institution", "planinstitution", "pillar", "objective", "lineofaction", "indicator")
RETIRABLE_MODELS = ("pillar", "objective", "lineofaction", "indicator")

# Codes assembled at run time, read by their last part.
VERB_LABELS: dict[str, Promise] = {
    "created": _("created"),
    "updated": _("edited"),
    "retired": _("retired it from the catalogue"),
    "admin_added": _("added it in the administration"),
    "admin_changed": _("changed it in the administration"),
    "admin_deleted": _("deleted it in the administration"),
    "admin_password_set": _("set a password in the administration"),
}
ADMIN_VERBS = ("admin_added", "admin_changed", "admin_deleted", "admin_password_set")
GENERIC_LABEL = _("made a change")

# Every kind of object the trail records (AuditEvent.object_type), as the audit log's filter names it.
OBJECT_KINDS: dict[str, Promise] = {
    "monitoring.evidence": _("Evidence"),
    "monitoring.evidencecomment": _("Comments on evidence"),
    "monitoring.evidenceclaim": _("Claims of evidence for review"),
    "monitoring.duplicatemark": _("Duplicate markings"),
    "monitoring.report": _("Shadow reports"),
    "monitoring.reportversion": _("Report versions"),
    "monitoring.assessment": _("Assessments"),
    "monitoring.coauthorship": _("Co-authorships"),
    "monitoring.transparencyrequest": _("Transparency requests"),
    "monitoring.sitepage": _("Site pages"),
    "portal.organisation": _("Organisations"),
    "portal.membership": _("Memberships"),
    "portal.user": _("People"),
    "portal.invitation": _("Invitations"),
    "portal.notificationpreference": _("Notification preferences"),
    "portal.outgoingmail": _("Outgoing e-mail"),
    "monitoring.plan": _("Plans"),
    "monitoring.institution": _("Institutions"),
    "monitoring.planinstitution": _("Institutions in a plan"),
    "monitoring.pillar": _("Pillars"),
    "monitoring.objective": _("Strategic objectives"),
    "monitoring.lineofaction": _("Lines of action"),
    "monitoring.indicator": _("Indicators"),
    "monitoring.region": _("States and regions"),
    "monitoring.holiday": _("Non-working days"),
    "monitoring.suspensionperiod": _("Suspensions of deadlines"),
}

# Models the trail never names as the changed object (their changes are recorded on another one, or they are
# derived data). The label test requires every model of both apps to be in OBJECT_KINDS or here.
NOT_AUDITED = frozenset(
    {
        "portal.auditevent",
        "portal.accountunlock",
        "portal.notification",
        "monitoring.evidenceattachment",  # recorded on its evidence
        "monitoring.sourcearchive",  # recorded on its evidence
        "monitoring.importjob",  # each item it creates is recorded as created, with the job in the reason
        "monitoring.importedrow",  # the key of an imported row; the item is recorded
        "monitoring.moderationentry",  # the decision is recorded on the evidence
        "monitoring.publicindicatorevidence",
        "monitoring.publishedfile",
        "monitoring.reportversionindicator",
        "monitoring.transparencyattachment",  # recorded on its request
        "monitoring.attachmentpreview",  # derived images of a file
        "monitoring.previewpage",
        "monitoring.embargochange",  # recorded on its report
        "monitoring.embargopreviewlink",  # recorded on its report
        "monitoring.reportversioncitation",  # part of a published version
    }
)

# Where a code's middle part names a kind by another name (monitoring.transparency.* acts on requests).
_CODE_KINDS = {
    "monitoring.transparency": "monitoring.transparencyrequest",
    "portal.notification_preferences": "portal.notificationpreference",
    "portal.mail": "portal.outgoingmail",
    "portal.audit": "portal.user",
}

# Reasons the code itself writes (not typed by a person), shown in the reader's language.
SYSTEM_REASONS: dict[str, Promise] = {
    "admin": _("in the administration"),
    "catalogue import": _("catalogue import"),
    "invitation accepted": _("invitation accepted"),
    "unlock link": _("with the unlock link"),
    "too many failed logins for the account": _("too many failed logins for the account"),
    "from a transparency request": _("from a transparency request"),
}


def _add_catalogue_codes() -> None:
    for model in CATALOGUE_MODELS:
        ACTION_LABELS.setdefault(f"monitoring.{model}.created", VERB_LABELS["created"])
        ACTION_LABELS.setdefault(f"monitoring.{model}.updated", VERB_LABELS["updated"])
    for model in RETIRABLE_MODELS:
        ACTION_LABELS.setdefault(f"monitoring.{model}.retired", VERB_LABELS["retired"])


_add_catalogue_codes()


def label_for(action: str) -> str:
    """What the person did, readable: the code's label, else its verb's, else a generic sentence."""
    label = ACTION_LABELS.get(action)
    if label is None:
        label = VERB_LABELS.get(action.rpartition(".")[2], GENERIC_LABEL)
    return str(label)


def kind_for_code(action: str) -> str:
    """The object kind an action code belongs to (``monitoring.transparency.filed`` -> transparency requests)."""
    prefix = action.rpartition(".")[0]
    return _CODE_KINDS.get(prefix, prefix)


def kind_label(object_type: str) -> str:
    """The readable name of an object kind; a model not listed reads as its verbose name, anything else generic."""
    label = OBJECT_KINDS.get(object_type)
    if label is not None:
        return str(label)
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return str(_("Other record"))
    return str(capfirst(model._meta.verbose_name_plural))


def reason_for(reason: str) -> str:
    """A reason the code wrote, translated; a reason a person typed, as typed."""
    label = SYSTEM_REASONS.get(reason)
    return str(label) if label is not None else reason


def kind_choices() -> list[tuple[str, str]]:
    """Every object kind, alphabetically in the reader's language (for the audit log's filter)."""
    return sorted(((k, str(v)) for k, v in OBJECT_KINDS.items()), key=lambda choice: choice[1].casefold())


def admin_choice(verb: str) -> str:
    """The filter value meaning "this admin verb, on any kind of object"."""
    return f"*.{verb}"


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action, grouped by object kind, in the reader's language; the admin's verbs as one group."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in ACTION_LABELS:
        groups.setdefault(kind_label(kind_for_code(code)), []).append((code, capfirst(label_for(code))))
    grouped = sorted(groups.items(), key=lambda group: group[0].casefold())
    admin = [(admin_choice(verb), capfirst(str(VERB_LABELS[verb]))) for verb in ADMIN_VERBS]
    choices = [(name, sorted(items, key=lambda choice: choice[1].casefold())) for name, items in grouped]
    return [*choices, (str(_("Administration (any object)")), admin)]


def readable_changes(object_type: str, changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, before, after) for reading: the field's verbose name and a choice's label where the model has them
    (``status: changes_requested`` reads "status: Changes requested"); anything else as recorded."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        model = None
    rows = []
    for name, values in (changes or {}).items():
        before, after = [*values, None, None][:2] if isinstance(values, list | tuple) else (None, values)
        label, choices = str(name), {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is not None:
                label = str(getattr(field, "verbose_name", name))
                choices = {str(k): str(v) for k, v in getattr(field, "flatchoices", None) or []}
        rows.append((label, _shown(before, choices), _shown(after, choices)))
    return rows


def _shown(value: Any, choices: dict[str, str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v, choices) for v in value)
    return choices.get(str(value), str(value))
