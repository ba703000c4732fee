"""The outbox: every mail is a row written in the caller's transaction and delivered by a task, with backoff."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from portal import mail, tasks
from portal.celery import app as celery_app
from portal.models import MailStatus, OutgoingMail

pytestmark = pytest.mark.django_db


def queue(to: str = "ana@example.org") -> OutgoingMail:
    return mail.queue_message(to=to, subject="Evidencia aprobada", body="Tu evidencia fue aprobada.")


def test_a_queued_mail_is_delivered_once_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = queue()
        assert django_mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.status == MailStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert [m.to for m in django_mail.outbox] == [["ana@example.org"]]
    # The task running again (a redelivery, a sweep racing it) sends nothing more.
    assert tasks.deliver_mail.apply(args=(row.pk,)).get() is False
    assert len(django_mail.outbox) == 1


def test_a_rolled_back_change_leaves_no_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue()
        raise RuntimeError("the change failed")
    assert not OutgoingMail.objects.exists() and django_mail.outbox == []


@override_settings(MAIL_RETRY_BASE_SECONDS=60, MAIL_MAX_AGE_HOURS=48)
def test_failures_back_off_exponentially_and_are_given_up_at_the_maximum_age():
    row = OutgoingMail.objects.create(to="ana@example.org", subject="s", body="b")
    start = timezone.now()
    delays = []
    with mock.patch("portal.mail.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        for _ in range(20):
            outcome = mail.deliver(row.pk, force=True)
            row.refresh_from_db()
            if row.status == MailStatus.FAILED:
                break
            delays.append(outcome.retry_in)
            assert row.next_attempt_at is not None and row.next_attempt_at > start
            # Time passes until the next attempt is due.
            OutgoingMail.objects.filter(pk=row.pk).update(
                created_at=F("created_at") - timedelta(seconds=outcome.retry_in or 0)
            )
    assert delays[:5] == [60, 120, 240, 480, 960]
    assert max(d for d in delays if d is not None) == 6 * 3600  # capped at six hours
    assert row.status == MailStatus.FAILED and "smtp down" in row.last_error
    # Given up only when the next attempt would come after the maximum age: the sum of the waits says so.
    waited = sum(d for d in delays if d is not None)
    assert waited <= 48 * 3600 < waited + 6 * 3600


def test_an_attempt_that_is_not_due_yet_does_nothing():
    row = OutgoingMail.objects.create(
        to="ana@example.org", subject="s", body="b", next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert mail.deliver(row.pk).sent is False
    row.refresh_from_db()
    assert row.attempts == 0 and django_mail.outbox == []


def test_the_sweep_sends_what_was_left_behind_and_only_that():
    old = timezone.now() - timedelta(minutes=10)
    lost = OutgoingMail.objects.create(to="lost@example.org", subject="s", body="b")
    OutgoingMail.objects.create(to="due@example.org", subject="s", body="b", next_attempt_at=old)
    later = OutgoingMail.objects.create(
        to="later@example.org", subject="s", body="b", next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    fresh = OutgoingMail.objects.create(to="fresh@example.org", subject="s", body="b")  # its own task is on its way
    OutgoingMail.objects.filter(pk=lost.pk).update(created_at=old)
    assert tasks.sweep_outbox.apply().get() == 2
    sent = {m.to[0] for m in django_mail.outbox}
    assert sent == {"lost@example.org", "due@example.org"}
    assert {r.to: r.status for r in OutgoingMail.objects.filter(pk__in=[later.pk, fresh.pk])} == {
        "later@example.org": MailStatus.PENDING,
        "fresh@example.org": MailStatus.PENDING,
    }


def test_with_the_broker_down_the_change_still_commits_and_the_sweep_catches_up(django_capture_on_commit_callbacks):
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            row = queue()
    finally:
        conf.task_always_eager, conf.broker_url = saved
    row.refresh_from_db()
    assert row.status == MailStatus.PENDING and django_mail.outbox == []
    OutgoingMail.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    tasks.sweep_outbox.apply()
    row.refresh_from_db()
    assert row.status == MailStatus.SENT and len(django_mail.outbox) == 1


def test_delivered_mail_is_purged_after_the_keeping_period():
    now = timezone.now()
    old = OutgoingMail.objects.create(to="a@example.org", subject="s", body="b", status=MailStatus.SENT)
    OutgoingMail.objects.filter(pk=old.pk).update(sent_at=now - timedelta(days=31))
    recent = OutgoingMail.objects.create(
        to="b@example.org", subject="s", body="b", status=MailStatus.SENT, sent_at=now - timedelta(days=1)
    )
    failed = OutgoingMail.objects.create(to="c@example.org", subject="s", body="b", status=MailStatus.FAILED)
    with override_settings(MAIL_KEEP_DAYS=30):
        assert tasks.purge_outbox.apply().get() == 1
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
