# Notifications and per-kind e-mail preferences (portal/notifications.py). The old single setting
# User.notification_frequency ("e-mail about new submissions", for moderators) becomes the preference for the kind
# "evidence.submitted"; its default ("immediate") needs no row.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def copy_frequencies(apps, schema_editor):
    User = apps.get_model("portal", "User")
    Preference = apps.get_model("portal", "NotificationPreference")
    Preference.objects.bulk_create(
        [
            Preference(user_id=pk, kind="evidence.submitted", frequency=frequency)
            for pk, frequency in User.objects.exclude(notification_frequency="immediate").values_list(
                "pk", "notification_frequency"
            )
            if frequency in ("daily", "never")
        ]
    )


def copy_back(apps, schema_editor):
    User = apps.get_model("portal", "User")
    Preference = apps.get_model("portal", "NotificationPreference")
    for user_id, frequency in Preference.objects.filter(kind="evidence.submitted").values_list("user_id", "frequency"):
        User.objects.filter(pk=user_id).update(notification_frequency=frequency)


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_account_unlock_links")]

    operations = [
        migrations.CreateModel(
            name="Notification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(db_index=True, max_length=64, verbose_name="kind")),
                ("target_type", models.CharField(blank=True, max_length=100, verbose_name="object type")),
                ("target_id", models.CharField(blank=True, max_length=100, verbose_name="object id")),
                ("url_name", models.CharField(max_length=100)),
                ("url_kwargs", models.JSONField(blank=True, default=dict)),
                ("params", models.JSONField(blank=True, default=dict)),
                ("once_key", models.CharField(blank=True, default="", max_length=100)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read")),
                ("emailed_at", models.DateTimeField(blank=True, null=True, verbose_name="e-mailed")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification",
                "verbose_name_plural": "notifications",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
                    models.Index(
                        condition=models.Q(("read_at", None)), fields=["recipient"], name="notification_unread_idx"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("once_key", ""), _negated=True),
                        fields=("recipient", "kind", "once_key"),
                        name="notification_once_per_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=64, verbose_name="kind")),
                (
                    "frequency",
                    models.CharField(
                        choices=[("immediate", "Immediately"), ("daily", "Daily digest"), ("never", "Never")],
                        max_length=10,
                        verbose_name="e-mail",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification preference",
                "verbose_name_plural": "notification preferences",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "kind"), name="notificationpreference_one_per_kind"),
                    models.CheckConstraint(
                        condition=models.Q(("frequency__in", ["immediate", "daily", "never"])),
                        name="notificationpreference_frequency_valid",
                    ),
                ],
            },
        ),
        migrations.RunPython(copy_frequencies, copy_back),
        migrations.RemoveField(model_name="user", name="notification_frequency"),
    ]
