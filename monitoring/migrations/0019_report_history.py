# Report history (issue 17, items 4–6): embargo changes by two reviewers, private preview links of embargoed
# versions, and the index of which published versions cite which evidence (for tombstones), filled for the
# versions already published.
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def index_citations(apps, schema_editor):
    ReportVersion = apps.get_model("monitoring", "ReportVersion")
    ReportVersionCitation = apps.get_model("monitoring", "ReportVersionCitation")
    rows = []
    for version in ReportVersion.objects.only("pk", "snapshot").iterator(chunk_size=100):
        cited = {
            e["uuid"]
            for pillar in version.snapshot.get("pillars", [])
            for a in pillar.get("assessments", [])
            for e in a.get("evidence", [])
        }
        rows.extend(ReportVersionCitation(version_id=version.pk, evidence_uuid=u) for u in sorted(cited))
    ReportVersionCitation.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0018_link_covering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EmbargoChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Awaiting a second reviewer"),
                            ("approved", "Approved"),
                            ("cancelled", "Withdrawn"),
                        ],
                        default="pending",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("public_from", models.DateTimeField(blank=True, null=True, verbose_name="new embargo end")),
                ("previous_public_from", models.DateTimeField(blank=True, null=True)),
                ("note", models.TextField(blank=True, verbose_name="reason")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="embargo_changes",
                        to="monitoring.reportversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "embargo change",
                "verbose_name_plural": "embargo changes",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "approved", "cancelled"])),
                        name="embargo_change_status_valid",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("version",),
                        name="embargo_change_one_pending",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("status__in", ["pending", "cancelled"]),
                            models.Q(("decided_by", models.F("requested_by")), _negated=True),
                            _connector="OR",
                        ),
                        name="embargo_change_two_people",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="EmbargoPreviewLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("label", models.CharField(max_length=200, verbose_name="for whom")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField(verbose_name="expires at")),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="preview_links",
                        to="monitoring.reportversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "embargo preview link",
                "verbose_name_plural": "embargo preview links",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("expires_at__gt", models.F("created_at"))),
                        name="preview_link_expires_later",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ReportVersionCitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("evidence_uuid", models.UUIDField(db_index=True)),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="citation_rows",
                        to="monitoring.reportversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "published citation",
                "verbose_name_plural": "published citations",
                "constraints": [
                    models.UniqueConstraint(fields=("version", "evidence_uuid"), name="version_citation_unique")
                ],
            },
        ),
        migrations.RunPython(index_citations, migrations.RunPython.noop),
    ]
