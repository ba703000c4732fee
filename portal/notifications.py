"""Notifications: one model and one service for every event someone must act on or would want to know.

``notify(kind, recipients, …)`` is called by the service that makes the change, inside its transaction. It creates
one ``Notification`` per active recipient (never the actor) and, for those whose preference for that kind is
"immediately", queues one e-mail in the outbox (portal/mail.py: delivered after commit). People who chose "daily
digest" get one e-mail a day listing what they have not read yet (``send_daily_digests``, celery beat); "never"
means the inbox only.

Only the kind, a few short parameters and where it links are stored: titles are rendered when shown, in the
reader's language (``title_of``). E-mail bodies hold the title and the link, nothing else: the recipients are chosen
by the event among the people who may read its object, and the parameters are short public-to-them strings (an item
title, a report title), never evidence content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.mail import queue_mail
from portal.models import Frequency, Notification, NotificationPreference, User

logger = logging.getLogger(__name__)

PARAM_MAX_LENGTH = 300
DIGEST_LOOKBACK = dt.timedelta(days=14)  # older unread notifications are not mailed any more
DIGEST_MIN_INTERVAL = dt.timedelta(hours=20)  # one digest a day, even if beat runs twice


@dataclass(frozen=True)
class Kind:
    """One kind of notification: its group (inbox filter), its title and the preference label.

    ``title`` uses ``%(name)s`` placeholders filled from the notification's params. A param listed in ``choices``
    holds a code translated at display time; a param ending in ``_date`` holds an ISO date (or date-time) shown in
    the reader's format. ``audience`` says whose profile offers the preference: "moderator", "member" (anyone in an
    organisation), "reviewer".
    """

    group: str
    title: Promise
    label: Promise
    audience: tuple[str, ...]
    default: str = Frequency.IMMEDIATE
    choices: Mapping[str, Mapping[str, Promise]] = field(default_factory=dict)


GROUPS: dict[str, Promise] = {
    "evidence": _("Evidence"),
    "reports": _("Shadow reports"),
    "transparency": _("Transparency requests"),
    "organisations": _("Organisations and people"),
    "system": _("Site"),
}

DECISIONS = {
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "changes_requested": _("Changes requested"),
}

KINDS: dict[str, Kind] = {
    "evidence.submitted": Kind(
        "evidence", _("Evidence to review: “%(title)s”"), _("Evidence submitted for review"), ("moderator",)
    ),
    "evidence.decided": Kind(
        "evidence",
        _("%(decision)s: “%(title)s”"),
        _("A moderator decided on your evidence"),
        ("member",),
        choices={"decision": DECISIONS},
    ),
    "evidence.withdrawn": Kind(
        "evidence", _("Evidence “%(title)s” was withdrawn"), _("Evidence withdrawn"), ("member",)
    ),
    "evidence.commented": Kind(
        "evidence", _("New message about “%(title)s”"), _("Messages on evidence"), ("member", "moderator")
    ),
    "evidence.archive_failed": Kind(
        "evidence",
        _("The source of “%(title)s” could not be archived"),
        _("A source could not be archived"),
        ("member", "moderator"),
        # A digest, not one mail per failure: when a site is down, every item citing it fails at once.
        default=Frequency.DAILY,
    ),
    "report.publication_requested": Kind(
        "reports",
        _("Version %(number)s of “%(title)s” awaits your approval"),
        _("A report version awaits your approval"),
        ("reviewer",),
    ),
    "report.publication_approved": Kind(
        "reports",
        _("Publication of version %(number)s of “%(title)s” was approved"),
        _("Publication approved"),
        ("reviewer",),
    ),
    "report.publication_refused": Kind(
        "reports",
        _("Publication of version %(number)s of “%(title)s” was refused"),
        _("Publication refused"),
        ("reviewer",),
    ),
    "report.coauthorship_invited": Kind(
        "reports",
        _("Invitation to co-author “%(title)s”"),
        _("Invitations to co-author a report"),
        ("reviewer",),
    ),
    "report.coauthorship_accepted": Kind(
        "reports",
        _("%(org)s accepted to co-author “%(title)s”"),
        _("Co-authorship accepted"),
        ("reviewer",),
    ),
    "report.coauthorship_declined": Kind(
        "reports",
        _("%(org)s declined to co-author “%(title)s”"),
        _("Co-authorship declined"),
        ("reviewer",),
    ),
    "report.coauthorship_withdrawn": Kind(
        "reports",
        _("%(org)s withdrew from “%(title)s”"),
        _("A co-author withdrew"),
        ("reviewer",),
    ),
    "report.embargo_ending": Kind(
        "reports",
        _("The embargo on version %(number)s of “%(title)s” ends within 24 hours"),
        _("An embargo ends within 24 hours"),
        ("reviewer",),
    ),
    "report.embargo_changed": Kind(
        "reports",
        _("The embargo on version %(number)s of “%(title)s” was changed"),
        _("An embargo was moved or lifted"),
        ("reviewer",),
    ),
    "transparency.due_soon": Kind(
        "transparency",
        _("Due soon: request %(folio)s to %(code)s"),
        _("A transparency request is due within 5 working days"),
        ("member",),
    ),
    "transparency.overdue": Kind(
        "transparency",
        _("Overdue: request %(folio)s to %(code)s"),
        _("A transparency request is overdue"),
        ("member",),
    ),
    "transparency.answered": Kind(
        "transparency",
        _("Answer recorded: request %(folio)s to %(code)s"),
        _("A transparency request was answered"),
        ("member",),
    ),
    "mail.delivery_failed": Kind(
        "system",
        _("An e-mail to %(to)s could not be delivered"),
        _("An e-mail could not be delivered"),
        ("moderator",),
        # A digest, not one mail per failure: when the mail server is down, these would fail too.
        default=Frequency.DAILY,
    ),
    "organisation.invitation_to_confirm": Kind(
        "organisations",
        _("The invitation of %(email)s as moderator awaits your confirmation"),
        _("A moderator invitation awaits confirmation"),
        ("moderator",),
    ),
}


class _Params(dict[str, str]):
    """Missing params render as an empty string rather than breaking a page."""

    def __missing__(self, key: str) -> str:
        return ""


def _display_value(kind: Kind, name: str, value: str) -> str:
    if name in kind.choices:
        label = kind.choices[name].get(value)
        return str(label) if label is not None else value
    if name.endswith("_date") and value:
        moment = parse_datetime(value) if "T" in value else None
        if moment is not None:
            return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
        day = parse_date(value)
        if day is not None:
            return date_format(day, "DATE_FORMAT")
    return value


def render_title(kind_code: str, params: Mapping[str, str]) -> str:
    """The title of a notification in the active language."""
    kind = KINDS.get(kind_code)
    if kind is None:  # a kind removed from the registry since: still show something
        return gettext("Notification")
    values = _Params({name: _display_value(kind, name, str(value)) for name, value in params.items()})
    try:
        return str(kind.title) % values
    except (TypeError, ValueError):  # a broken translation must not break the inbox
        logger.warning("notification title of %s could not be rendered", kind_code)
        return str(kind.label)


def title_of(notification: Notification) -> str:
    return render_title(notification.kind, notification.params)


def target_url(notification: Notification) -> str:
    """Where the notification leads, in the active language; "" when the page does not exist any more."""
    try:
        return reverse(notification.url_name, kwargs=notification.url_kwargs)
    except NoReverseMatch:
        return ""


def open_url(notification: Notification) -> str:
    """The inbox address that marks the notification read and goes on to its object."""
    return reverse("portal:inbox_open", kwargs={"pk": notification.pk})


def absolute_target_url(notification: Notification, language: str) -> str:
    """The object's full address in ``language`` (what e-mails link to: the reader sees where it leads)."""
    with translation.override(language):
        path = target_url(notification) or reverse("portal:inbox")
    return settings.SITE_URL + path


def frequency_for(user: User, kind_code: str) -> str:
    """The e-mail preference of ``user`` for one kind (one query; use ``preferences_of`` for many)."""
    row = NotificationPreference.objects.filter(user=user, kind=kind_code).values_list("frequency", flat=True).first()
    return row or KINDS[kind_code].default


def preferences_of(user: User) -> dict[str, str]:
    """Every kind → the person's e-mail preference (defaults filled in)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))
    return {code: chosen.get(code, kind.default) for code, kind in KINDS.items()}


def set_preferences(user: User, wanted: Mapping[str, str]) -> dict[str, list[str]]:
    """Store ``wanted`` (kind → frequency) for ``user``; return the changes as kind → [before, after].

    Call inside a transaction (the profile view's, which also writes the audit event).
    """
    current = preferences_of(user)
    changes: dict[str, list[str]] = {}
    for code, frequency in wanted.items():
        if code not in KINDS or frequency not in Frequency.values:
            raise ValueError(f"unknown notification kind or frequency: {code!r} {frequency!r}")
        if current[code] != frequency:
            NotificationPreference.objects.update_or_create(user=user, kind=code, defaults={"frequency": frequency})
            changes[code] = [current[code], frequency]
    return changes


def notify(
    kind: str,
    recipients: Iterable[User],
    *,
    actor: User | None = None,
    target: models.Model | None = None,
    url_name: str,
    url_kwargs: dict[str, Any],
    params: dict[str, str] | None = None,
    once_key: str = "",
) -> None:
    """Tell ``recipients`` (active ones, never the actor) about an event; call inside the caller's transaction.

    ``params`` are short strings every recipient may read (they fill the kind's title). ``once_key`` makes the
    event happen once per recipient and key (e.g. the embargo of one version ending): recipients who already have
    a notification of this kind and key are skipped.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: register it in portal.notifications.KINDS")
    reverse(url_name, kwargs=url_kwargs)  # fail now, in the caller's tests, rather than in someone's inbox
    clean_params = {str(k): str(v)[:PARAM_MAX_LENGTH] for k, v in (params or {}).items()}
    url_kwargs = {str(k): str(v) for k, v in url_kwargs.items()}
    people: dict[int, User] = {}
    for user in recipients:
        if user.is_active and (actor is None or user.pk != actor.pk):
            people.setdefault(user.pk, user)
    if not people:
        return
    if once_key:
        already = set(
            Notification.objects.filter(kind=kind, once_key=once_key, recipient_id__in=people).values_list(
                "recipient_id", flat=True
            )
        )
        for pk in already:
            people.pop(pk, None)
        if not people:
            return
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=people, kind=kind).values_list("user_id", "frequency")
    )
    now = timezone.now()
    immediate = {pk for pk in people if chosen.get(pk, KINDS[kind].default) == Frequency.IMMEDIATE}
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                kind=kind,
                actor=actor,
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
                url_name=url_name,
                url_kwargs=url_kwargs,
                params=clean_params,
                once_key=once_key[:100],
                created_at=now,
                emailed_at=now if pk in immediate else None,
            )
            for pk in people
        ]
    )
    for row in rows:
        if row.recipient_id in immediate:
            _mail_one(people[row.recipient_id], row)


def _mail_one(user: User, notification: Notification) -> None:
    language = user.preferred_language
    with translation.override(language):
        title = title_of(notification)
    queue_mail(
        to=user.email,
        template="portal/email/notification",
        context={"title": title, "url": absolute_target_url(notification, language), "inbox_url": _inbox_url(language)},
        language=language,
    )


def _inbox_url(language: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("portal:inbox")


def unread_count(user: Any) -> int:
    """How many notifications ``user`` has not read (one query; 0 for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()


def mark_read(user: User, pk: int) -> Notification:
    """Mark one of ``user``'s notifications read (``Notification.DoesNotExist`` for anyone else's)."""
    notification = Notification.objects.get(pk=pk, recipient=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk, read_at=None).update(read_at=timezone.now())
        notification.read_at = timezone.now()
    return notification


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).update(read_at=timezone.now())


def send_daily_digests(now: dt.datetime | None = None) -> int:
    """One e-mail per person listing her unread, not yet mailed notifications of kinds set to "daily digest".

    Each person is locked and handled in a transaction of her own, and every notification listed is marked
    e-mailed, so a second run (or a run that stopped half-way and started again) sends nobody anything twice.
    Returns how many digests were queued.
    """
    now = now or timezone.now()
    daily_prefs = NotificationPreference.objects.filter(
        user=OuterRef("recipient"), kind=OuterRef("kind"), frequency=Frequency.DAILY
    )
    any_pref = NotificationPreference.objects.filter(user=OuterRef("recipient"), kind=OuterRef("kind"))
    default_daily = [code for code, kind in KINDS.items() if kind.default == Frequency.DAILY]
    waiting = Notification.objects.filter(
        read_at=None, emailed_at=None, created_at__lte=now, created_at__gt=now - DIGEST_LOOKBACK
    ).filter(Exists(daily_prefs) | (models.Q(kind__in=default_daily) & ~Exists(any_pref)))
    sent = 0
    for user_id in waiting.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"):
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user_id)
            if not user.is_active:
                continue
            if user.last_digest_at and now - user.last_digest_at < DIGEST_MIN_INTERVAL:
                continue
            items = list(waiting.filter(recipient_id=user_id).select_for_update().order_by("created_at", "pk"))
            if not items:
                continue
            language = user.preferred_language
            with translation.override(language):
                lines = [{"title": title_of(n), "url": absolute_target_url(n, language)} for n in items]
            queue_mail(
                to=user.email,
                template="portal/email/notification_digest",
                context={"items": lines, "count": len(lines), "inbox_url": _inbox_url(language)},
                language=language,
            )
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            user.last_digest_at = now
            user.save(update_fields=["last_digest_at"])
            sent += 1
    return sent
