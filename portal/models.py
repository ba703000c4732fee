"""The site shell's data: people (e-mail login) and the append-only audit trail."""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail addresses are matched case-insensitively.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Whether the person can log into the admin site.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # E-mail preferences are per kind of notification: NotificationPreference (portal/notifications.py).
    last_digest_at = models.DateTimeField(_("last digest sent"), null=True, blank=True)
    # The address of a person in the site's pages (never the integer key).
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]  # the e-mail is the only required field

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with the fields before and after.

    Rows are written by the service that makes the change, in the same transaction,
    and are never updated or deleted by the application.
    """

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text=_("Empty when the change was made by a command or the system."),
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=100)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    REVIEWER = "reviewer", _("Reviewer")


class InvitationRole(models.TextChoices):
    """What an invitation makes of a person: a member or reviewer of an organisation, or a site moderator."""

    MEMBER = "member", _("Member")
    REVIEWER = "reviewer", _("Reviewer")
    MODERATOR = "moderator", _("Moderator")


class Organisation(models.Model):
    """A civil-society organisation whose members log evidence."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, max_length=200)
    # Raised by every edit in the site: a form saved from an older version is refused (portal/services_people.py).
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [("moderate", _("Can moderate evidence and manage organisations and accounts"))]

    def __str__(self) -> str:
        return self.name

    @property
    def description_language(self) -> str:
        """The language of the description shown in the active language (Spanish when English is missing)."""
        lang = (translation.get_language() or "es")[:2]
        return "en" if lang == "en" and self.description_en else "es"

    @property
    def description(self) -> str:
        return self.description_en if self.description_language == "en" else self.description_es


class Membership(models.Model):
    """A person's role in an organisation. Moderators are site staff, not members."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_one_per_person_and_org"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"


class Invitation(models.Model):
    """A single-use, expiring invitation to join an organisation. Only the token's hash is stored."""

    email = models.EmailField(_("e-mail address"))
    # Empty for a moderator invitation: moderators are site staff, not members of an organisation.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=InvitationRole.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="es")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A moderator invitation is sent only once a second moderator confirms it (portal/services_people.py).
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=InvitationRole.values), name="invitation_role_valid"),
            models.CheckConstraint(
                condition=models.Q(role="moderator", organisation__isnull=True)
                | (~models.Q(role="moderator") & models.Q(organisation__isnull=False)),
                name="invitation_organisation_unless_moderator",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True) | ~models.Q(confirmed_by=models.F("invited_by")),
                name="invitation_confirmed_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation or self.get_role_display()}"

    @property
    def needs_confirmation(self) -> bool:
        """A moderator invitation that no second moderator has confirmed yet (its link has not been sent)."""
        return self.role == InvitationRole.MODERATOR and self.confirmed_at is None and self.cancelled_at is None

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and not self.needs_confirmation
            and self.expires_at > timezone.now()
        )


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed for good")


class OutgoingMail(models.Model):
    """The outbox: mail is written in the same transaction as the change it reports, and delivered after commit.

    A mail server that fails never loses a decision: the row stays pending with the time of its next attempt, and
    the delivery task (``portal.tasks.deliver_mail``, re-enqueued by the outbox sweep) retries it; see portal/mail.py.
    """

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"), help_text=_("Single-use links appear only as placeholders."))
    # The values of those placeholders, encrypted (portal/sealing.py); emptied once the mail is delivered.
    sealed_secrets = models.TextField(_("sealed links"), blank=True, default="", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=MailStatus.values), name="outgoingmail_status_valid")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="outgoingmail_pending_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class AccountUnlock(models.Model):
    """A single-use, short-lived link e-mailed to the owner of an account locked by failed logins.

    Only the token's hash is stored (like invitations). Using it clears the account's failures and lets that
    browser log in at once even if guessing goes on (portal/login_throttle.py).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("account unlock link")
        verbose_name_plural = _("account unlock links")

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class Frequency(models.TextChoices):
    """How a person wants to hear by e-mail about one kind of notification (the inbox always shows it)."""

    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")
    NEVER = "never", _("Never")


class Notification(models.Model):
    """Something a person must act on or would want to know, shown in her inbox (portal/notifications.py).

    Only the kind, its short parameters and where it links are stored: the title is rendered when it is shown,
    in the reader's language. ``emailed_at`` is set when it was e-mailed, alone or in a digest.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=100, blank=True)
    url_name = models.CharField(max_length=100)
    url_kwargs = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Set by events that must happen once per object (e.g. "embargo ending" once per version).
    once_key = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], name="notification_unread_idx", condition=models.Q(read_at=None)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "once_key"],
                condition=~models.Q(once_key=""),
                name="notification_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"


class NotificationPreference(models.Model):
    """A person's choice of e-mail for one kind of notification; without a row the kind's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    frequency = models.CharField(_("e-mail"), max_length=10, choices=Frequency.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpreference_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(frequency__in=Frequency.values), name="notificationpreference_frequency_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} → {self.frequency}"
