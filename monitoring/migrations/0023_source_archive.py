# Archived copies of every source URL (issue 18, part 6). Written by hand.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import monitoring.models.archive


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0022_evidence_kinds_reliability"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SourceArchive",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("requested_url", models.URLField(max_length=1000, verbose_name="address requested")),
                ("final_url", models.CharField(blank=True, max_length=2000, verbose_name="address after redirects")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Being archived"),
                            ("archived", "Archived"),
                            ("failed", "Could not be archived"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("http_status", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="HTTP status")),
                ("content_type", models.CharField(blank=True, max_length=100, verbose_name="content type")),
                ("size", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="size in bytes")),
                ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the content")),
                ("retrieved_at", models.DateTimeField(blank=True, null=True, verbose_name="retrieved at")),
                (
                    "warc",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        upload_to=monitoring.models.archive.archive_path,
                        verbose_name="WARC file",
                    ),
                ),
                ("text", models.TextField(blank=True, verbose_name="text extract")),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("error", models.CharField(blank=True, max_length=40, verbose_name="why it failed")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="archives",
                        to="monitoring.evidence",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="requested by",
                    ),
                ),
            ],
            options={
                "verbose_name": "archived copy of a source",
                "verbose_name_plural": "archived copies of sources",
                "indexes": [models.Index(fields=["evidence", "created_at"], name="sourcearchive_item_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "archived", "failed"])),
                        name="sourcearchive_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "archived"), _negated=True),
                            models.Q(
                                models.Q(("sha256", ""), _negated=True),
                                models.Q(("warc", ""), _negated=True),
                                ("retrieved_at__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="sourcearchive_archived_complete",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("evidence",),
                        name="sourcearchive_one_pending_per_item",
                    ),
                ],
            },
        ),
    ]
