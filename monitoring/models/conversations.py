"""Working on an item together: the thread between its organisation and the moderators, moderators' internal
notes, claims on items in the queue, inline previews of attachments, and items marked as duplicates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from monitoring.models.evidence import Evidence, EvidenceAttachment

MAX_COMMENT = 10_000


class CommentKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    QUESTION = "question", _("Question")
    ANSWER = "answer", _("Answer")


class TextFormat(models.TextChoices):
    PLAIN = "plain", _("Plain text")
    MARKDOWN = "markdown", _("Markdown")


class EvidenceComment(models.Model):
    """One message on an item's thread, or (``internal``) a note only moderators ever read.

    Append-only. Internal notes never reach a member's page, the API, an export or a member's notification.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of message"), max_length=10, choices=CommentKind.choices, default="message")
    internal = models.BooleanField(_("internal note (moderators only)"), default=False)
    text_format = models.CharField(_("format"), max_length=10, choices=TextFormat.choices, default="plain")
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment on evidence")
        verbose_name_plural = _("comments on evidence")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CommentKind.values), name="evidencecomment_kind_valid"),
            models.CheckConstraint(condition=Q(text_format__in=TextFormat.values), name="evidencecomment_format_valid"),
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(Length("text"), 1), LessThanOrEqual(Length("text"), MAX_COMMENT)),
                name="evidencecomment_text_length",
            ),
        ]
        indexes = [models.Index(fields=["evidence", "internal", "created_at"], name="evidencecomment_thread_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.evidence_id}"


class EvidenceClaim(models.Model):
    """A moderator saying "I am reviewing this one". Open until released (by her, by a decision) or until it
    lapses: ``MODERATION_CLAIM_MINUTES`` after ``claimed_at``, computed when read (no job closes it)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="claims")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(_("claimed at"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim on evidence")
        verbose_name_plural = _("claims on evidence")
        constraints = [
            models.UniqueConstraint(
                fields=["evidence"], condition=Q(released_at__isnull=True), name="evidenceclaim_one_open_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.moderator} · {self.evidence_id}"


class PreviewStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Not available")


def preview_path(instance: PreviewPage, filename: str) -> str:
    return f"previews/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


class AttachmentPreview(models.Model):
    """The inline preview of one attachment: rendered in the worker (monitoring/previews.py), once."""

    attachment = models.OneToOneField(EvidenceAttachment, on_delete=models.CASCADE, related_name="preview")
    status = models.CharField(_("status"), max_length=10, choices=PreviewStatus.choices, default="pending")
    error = models.CharField(_("why there is no preview"), max_length=40, blank=True)
    page_count = models.PositiveIntegerField(_("pages in the document"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("attachment preview")
        verbose_name_plural = _("attachment previews")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PreviewStatus.values), name="attachmentpreview_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.attachment} · {self.status}"


class PreviewPage(models.Model):
    """One rendered image of a preview (an image, or one page of a PDF), served only to who may read the item."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    preview = models.ForeignKey(AttachmentPreview, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveSmallIntegerField(_("page"))
    file = models.FileField(upload_to=preview_path, max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("preview page")
        verbose_name_plural = _("preview pages")
        constraints = [models.UniqueConstraint(fields=["preview", "number"], name="previewpage_unique_number")]

    def __str__(self) -> str:
        return f"{self.preview_id} · {self.number}"


class DuplicateMark(models.Model):
    """A moderator's decision that an item repeats another (the item is rejected with this reason)."""

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, related_name="duplicate_mark")
    duplicate_of = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="duplicates")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate mark")
        verbose_name_plural = _("duplicate marks")
        constraints = [
            models.CheckConstraint(condition=~Q(evidence=models.F("duplicate_of")), name="duplicatemark_not_itself")
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id} → {self.duplicate_of_id}"
