# Spreadsheet imports of evidence (issue 18, part 4).

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import monitoring.models.imports


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0023_source_archive"),
        ("portal", "0009_organisations_in_site"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("original_name", models.CharField(max_length=200, verbose_name="file name")),
                (
                    "file",
                    models.FileField(
                        max_length=200, upload_to=monitoring.models.imports.import_path, verbose_name="file"
                    ),
                ),
                ("size", models.PositiveBigIntegerField(verbose_name="size in bytes")),
                ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 of the file")),
                (
                    "language",
                    models.CharField(
                        choices=[("es", "Spanish"), ("en", "English")], max_length=5, verbose_name="language"
                    ),
                ),
                (
                    "submit",
                    models.BooleanField(
                        default=False,
                        help_text="Create submitted items instead of drafts.",
                        verbose_name="submit for review",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be checked"),
                            ("validating", "Being checked"),
                            ("invalid", "Has errors"),
                            ("ready", "Checked, ready to import"),
                            ("importing", "Being imported"),
                            ("done", "Imported"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("rows_total", models.PositiveIntegerField(default=0, verbose_name="rows")),
                ("rows_done", models.PositiveIntegerField(default=0, verbose_name="rows processed")),
                ("created_count", models.PositiveIntegerField(default=0, verbose_name="items created")),
                ("duplicate_count", models.PositiveIntegerField(default=0, verbose_name="rows already imported")),
                ("errors", models.JSONField(blank=True, default=list, verbose_name="errors")),
                ("preview", models.JSONField(blank=True, default=dict, verbose_name="preview")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("confirmed_at", models.DateTimeField(blank=True, null=True, verbose_name="import confirmed at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="import_jobs",
                        to="portal.organisation",
                        verbose_name="organisation",
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="import_jobs",
                        to="monitoring.plan",
                        verbose_name="plan",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "spreadsheet import",
                "verbose_name_plural": "spreadsheet imports",
            },
        ),
        migrations.CreateModel(
            name="ImportedRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("row_key", models.CharField(max_length=64, verbose_name="row key")),
                ("row_number", models.PositiveIntegerField(verbose_name="row")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "evidence",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="monitoring.evidence",
                        verbose_name="evidence",
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portal.organisation"
                    ),
                ),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="imported_rows",
                        to="monitoring.importjob",
                    ),
                ),
            ],
            options={
                "verbose_name": "imported row",
                "verbose_name_plural": "imported rows",
            },
        ),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["pending", "validating", "invalid", "ready", "importing", "done", "failed"])
                ),
                name="import_job_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="importedrow",
            constraint=models.UniqueConstraint(
                fields=("organisation", "row_key"), name="imported_row_once_per_organisation"
            ),
        ),
    ]
