"""Organisations managed in the site: acronym, description in both languages, an edit version; moderator
invitations (confirmed by a second moderator, or cancelled); people and invitations addressed by a uuid."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_description(apps, schema_editor):
    Organisation = apps.get_model("portal", "Organisation")
    for org in Organisation.objects.exclude(description="").only("pk", "description"):
        Organisation.objects.filter(pk=org.pk).update(description_es=org.description)


def copy_description_back(apps, schema_editor):
    Organisation = apps.get_model("portal", "Organisation")
    for org in Organisation.objects.exclude(description_es="").only("pk", "description_es"):
        Organisation.objects.filter(pk=org.pk).update(description=org.description_es)


def fill_uuids(apps, schema_editor):
    for name in ("User", "Invitation"):
        model = apps.get_model("portal", name)
        for pk in model.objects.filter(uuid__isnull=True).values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("portal", "0008_notifications")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="acronym",
            field=models.CharField(blank=True, max_length=30, verbose_name="acronym"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="description_es",
            field=models.TextField(blank=True, verbose_name="description (Spanish)"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="description_en",
            field=models.TextField(blank=True, verbose_name="description (English)"),
        ),
        migrations.RunPython(copy_description, copy_description_back),
        migrations.RemoveField(model_name="organisation", name="description"),
        migrations.AddField(
            model_name="organisation",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="edit version"),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="logo",
            field=models.ImageField(blank=True, max_length=200, upload_to="logos/", verbose_name="logo"),
        ),
        migrations.AddField(model_name="user", name="uuid", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name="invitation", name="uuid", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.RemoveConstraint(model_name="invitation", name="invitation_role_valid"),
        migrations.AddField(
            model_name="invitation",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="confirmed"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="cancelled"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="portal.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="role",
            field=models.CharField(
                choices=[("member", "Member"), ("reviewer", "Reviewer"), ("moderator", "Moderator")],
                default="member",
                max_length=20,
                verbose_name="role",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(role__in=["member", "reviewer", "moderator"]), name="invitation_role_valid"
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(role="moderator", organisation__isnull=True)
                | (~models.Q(role="moderator") & models.Q(organisation__isnull=False)),
                name="invitation_organisation_unless_moderator",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True) | ~models.Q(confirmed_by=models.F("invited_by")),
                name="invitation_confirmed_by_another",
            ),
        ),
    ]
