"""Conversations on evidence: the thread and internal notes, claims, inline previews, duplicate marks; pg_trgm."""

import uuid

import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

import monitoring.models.conversations

# Title similarity uses pg_trgm when it can be installed; without the privilege it stays off and
# monitoring/duplicates.py compares titles in Python instead (as on SQLite).
TRIGRAM = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
    RAISE NOTICE 'pg_trgm is not available: duplicate titles are compared in Python';
END
$$;
"""


def add_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGRAM)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0019_report_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(add_trigram, migrations.RunPython.noop, elidable=True),
        migrations.CreateModel(
            name="AttachmentPreview",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Being prepared"), ("ready", "Ready"), ("failed", "Not available")],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("error", models.CharField(blank=True, max_length=40, verbose_name="why there is no preview")),
                ("page_count", models.PositiveIntegerField(default=0, verbose_name="pages in the document")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "attachment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="preview",
                        to="monitoring.evidenceattachment",
                    ),
                ),
            ],
            options={"verbose_name": "attachment preview", "verbose_name_plural": "attachment previews"},
        ),
        migrations.CreateModel(
            name="DuplicateMark",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField(verbose_name="reason")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="when")),
                (
                    "duplicate_of",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="duplicates", to="monitoring.evidence"
                    ),
                ),
                (
                    "evidence",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicate_mark",
                        to="monitoring.evidence",
                    ),
                ),
                (
                    "moderator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"verbose_name": "duplicate mark", "verbose_name_plural": "duplicate marks"},
        ),
        migrations.CreateModel(
            name="EvidenceClaim",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("claimed_at", models.DateTimeField(verbose_name="claimed at")),
                ("released_at", models.DateTimeField(blank=True, null=True, verbose_name="released at")),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="claims", to="monitoring.evidence"
                    ),
                ),
                (
                    "moderator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"verbose_name": "claim on evidence", "verbose_name_plural": "claims on evidence"},
        ),
        migrations.CreateModel(
            name="EvidenceComment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[("message", "Message"), ("question", "Question"), ("answer", "Answer")],
                        default="message",
                        max_length=10,
                        verbose_name="kind of message",
                    ),
                ),
                ("internal", models.BooleanField(default=False, verbose_name="internal note (moderators only)")),
                (
                    "text_format",
                    models.CharField(
                        choices=[("plain", "Plain text"), ("markdown", "Markdown")],
                        default="plain",
                        max_length=10,
                        verbose_name="format",
                    ),
                ),
                ("text", models.TextField(verbose_name="message")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="when")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="comments", to="monitoring.evidence"
                    ),
                ),
            ],
            options={"verbose_name": "comment on evidence", "verbose_name_plural": "comments on evidence"},
        ),
        migrations.CreateModel(
            name="PreviewPage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("number", models.PositiveSmallIntegerField(verbose_name="page")),
                (
                    "file",
                    models.FileField(max_length=200, upload_to=monitoring.models.conversations.preview_path),
                ),
                ("content_type", models.CharField(max_length=20)),
                ("width", models.PositiveIntegerField()),
                ("height", models.PositiveIntegerField()),
                (
                    "preview",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pages",
                        to="monitoring.attachmentpreview",
                    ),
                ),
            ],
            options={"verbose_name": "preview page", "verbose_name_plural": "preview pages"},
        ),
        migrations.AddConstraint(
            model_name="attachmentpreview",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "ready", "failed"])),
                name="attachmentpreview_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="duplicatemark",
            constraint=models.CheckConstraint(
                condition=models.Q(("evidence", models.F("duplicate_of")), _negated=True),
                name="duplicatemark_not_itself",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidenceclaim",
            constraint=models.UniqueConstraint(
                condition=models.Q(("released_at__isnull", True)),
                fields=("evidence",),
                name="evidenceclaim_one_open_per_item",
            ),
        ),
        migrations.AddIndex(
            model_name="evidencecomment",
            index=models.Index(fields=["evidence", "internal", "created_at"], name="evidencecomment_thread_idx"),
        ),
        migrations.AddConstraint(
            model_name="evidencecomment",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["message", "question", "answer"])),
                name="evidencecomment_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="evidencecomment",
            constraint=models.CheckConstraint(
                condition=models.Q(("text_format__in", ["plain", "markdown"])), name="evidencecomment_format_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="evidencecomment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.GreaterThanOrEqual(django.db.models.functions.text.Length("text"), 1),
                    django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length("text"), 10000),
                ),
                name="evidencecomment_text_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="previewpage",
            constraint=models.UniqueConstraint(fields=("preview", "number"), name="previewpage_unique_number"),
        ),
    ]
