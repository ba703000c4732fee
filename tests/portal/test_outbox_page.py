"""Moderators see the mail that could not be delivered, and can send it again; nobody else can."""

from __future__ import annotations

import pytest
from django.core import mail as django_mail

from portal.models import AuditEvent, MailStatus, OutgoingMail

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(db):
    return OutgoingMail.objects.create(
        to="ana@example.org",
        subject="Tu evidencia fue aprobada",
        body="SECRET-LINK https://portal.example/es/accounts/invitation/abc/",
        status=MailStatus.FAILED,
        attempts=12,
        last_error="SMTPRecipientsRefused: mailbox full",
    )


@pytest.mark.parametrize(("lang", "heading"), [("es", "Correo saliente"), ("en", "Outgoing e-mail")])
def test_a_moderator_sees_failed_mail_without_its_body(client, cast, failed, lang, heading):
    client.force_login(cast.moderator)
    response = client.get(f"/{lang}/outbox/")
    html = response.content.decode()
    assert response.status_code == 200 and heading in html
    assert "ana@example.org" in html and "mailbox full" in html
    assert "SECRET-LINK" not in html
    queue = client.get(f"/{lang}/moderation/").content.decode()
    assert f'href="/{lang}/outbox/"' in queue


def test_send_again_delivers_it_and_is_audited(client, cast, failed, django_capture_on_commit_callbacks):
    client.force_login(cast.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/outbox/{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == MailStatus.SENT and len(django_mail.outbox) == 1
    event = AuditEvent.objects.get(action="portal.mail.retried")
    assert event.actor == cast.moderator and event.changes == {"status": ["failed", "pending"]}


def test_delivered_mail_cannot_be_sent_again_and_others_get_404(client, cast, failed):
    sent = OutgoingMail.objects.create(to="b@example.org", subject="s", body="b", status=MailStatus.SENT)
    client.force_login(cast.moderator)
    assert client.post(f"/en/outbox/{sent.pk}/retry/").status_code == 404
    for person in (cast.member, cast.reviewer):
        client.force_login(person)
        assert client.get("/en/outbox/").status_code == 404
        assert client.post(f"/en/outbox/{failed.pk}/retry/").status_code == 404
    failed.refresh_from_db()
    assert failed.status == MailStatus.FAILED
