"""No usable secret at rest: invitation and reset links are sealed in the outbox, removed once sent, never logged."""

from __future__ import annotations

import gzip
import logging
import re

import pytest
from django.core import mail as django_mail
from django.forms.models import model_to_dict
from django.test import override_settings

from portal import mail, sealing
from portal.backup import create_backup
from portal.logs import ScrubFilter
from portal.models import MailStatus, OutgoingMail, Role

pytestmark = pytest.mark.django_db

INVITE = re.compile(r"http://testserver(/\w\w/accounts/invitation/([\w-]+)/)")
RESET = re.compile(r"http://testserver(/en/accounts/password/reset/[\w-]+/([\w-]+)/)")


def _at_rest(tmp_path) -> str:
    """Every column of every outbox row, and the whole backup archive, as one text to search."""
    rows = [
        {**model_to_dict(m), "sealed_secrets": m.sealed_secrets, "created_at": str(m.created_at)}
        for m in OutgoingMail.objects.all()
    ]
    archive = tmp_path / f"backup-{len(list(tmp_path.iterdir()))}.tar.gz"
    # The row dump (what `backup` writes on SQLite) on every database: it runs in the test's own transaction, where
    # pg_dump (the PostgreSQL `backup`, another connection, encrypted) would not see the uncommitted rows.
    create_backup(archive)
    return repr(rows) + gzip.decompress(archive.read_bytes()).decode("utf-8", "replace")


def _request_both(client, cast) -> None:
    client.force_login(cast.moderator)
    response = client.post(
        "/en/accounts/invitations/new/",
        {"email": "nueva@intersecta.test", "organisation": cast.intersecta.pk, "role": Role.MEMBER, "language": "es"},
    )
    assert response.status_code == 302
    client.logout()
    assert client.post("/en/accounts/password/reset/", {"email": "member@intersecta.test"}).status_code == 302


def test_pending_and_delivered_rows_and_backups_hold_no_working_link(
    client, cast, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _request_both(client, cast)
    pending = _at_rest(tmp_path)
    assert OutgoingMail.objects.filter(status=MailStatus.PENDING).count() == 2
    assert all(m.sealed_secrets.startswith("s1.") for m in OutgoingMail.objects.all())
    assert "[secret:url]" in pending and "[secret:token]" in pending

    for callback in callbacks:  # the worker delivers
        callback()
    by_to = {m.to[0]: m.body for m in django_mail.outbox}
    invite_path, invite_token = INVITE.search(by_to["nueva@intersecta.test"]).groups()
    reset_path, reset_token = RESET.search(by_to["member@intersecta.test"]).groups()
    delivered = _at_rest(tmp_path)
    for token in (invite_token, reset_token):
        assert token not in pending and token not in delivered
    for row in OutgoingMail.objects.all():
        assert row.status == MailStatus.SENT and row.sealed_secrets == ""
        assert mail.REMOVED_NOTE in row.body and "[secret:" not in row.body

    # The delivered mails carry working links, each usable once.
    password = "una frase larga 1325"
    accepted = client.post(invite_path, {"full_name": "Ana Nueva", "password1": password, "password2": password})
    assert accepted.status_code == 302
    client.logout()
    assert client.get(invite_path).status_code in (404, 410) or "expired" in client.get(invite_path).content.decode()
    form_url = client.get(reset_path)["Location"]
    new = "a brand new passphrase 42"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password(new)
    again = client.get(reset_path, follow=True)
    assert b'name="new_password1"' not in again.content


def test_a_retried_delivery_still_has_its_link_and_the_seal_resists_tampering():
    with pytest.raises(ValueError):  # a secret the body does not show is a mistake, not silently dropped
        mail.queue_message(to="a@example.org", subject="s", body="no link", secrets={"url": "https://x/t0k3n"})
    row = mail.queue_message(
        to="a@example.org",
        subject="Invitación",
        body="Abre https://x/t0k3n/ una vez.",
        secrets={"url": "https://x/t0k3n/"},
    )
    assert "t0k3n" not in row.body + row.sealed_secrets
    assert mail.reveal(row.body, row.sealed_secrets) == "Abre https://x/t0k3n/ una vez."
    broken = row.sealed_secrets[:-4] + ("AAAA" if not row.sealed_secrets.endswith("AAAA") else "BBBB")
    with pytest.raises(sealing.SealError):
        sealing.unseal(broken)
    with pytest.raises(sealing.SealError):
        sealing.unseal(row.sealed_secrets, purpose="other")


def test_a_rotated_key_opens_with_the_fallback_and_fails_for_good_without_it(settings):
    row = mail.queue_message(
        to="a@example.org", subject="s", body="link: https://x/abc", secrets={"u": "https://x/abc"}
    )
    with override_settings(
        SECRET_KEY="a-new-key-0123456789-0123456789-0123456789", SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
    ):
        assert mail.reveal(row.body, row.sealed_secrets) == "link: https://x/abc"
    with override_settings(SECRET_KEY="a-new-key-0123456789-0123456789-0123456789", SECRET_KEY_FALLBACKS=[]):
        assert mail.deliver(row.pk).sent is False
    row.refresh_from_db()
    assert row.status == MailStatus.FAILED and row.last_error.startswith("SealError") and django_mail.outbox == []


@pytest.mark.parametrize(
    "url",
    [
        "/es/accounts/invitation/Xk3p9_secret-Token/",
        "https://observatorio.example/en/accounts/password/reset/MQ/cdw3k1-8d1f2e3a4b5c6d7e8f90/",
    ],
)
def test_logs_never_carry_the_tokens_of_those_links(url):
    token = url.rstrip("/").rsplit("/", 1)[1]
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (url,), None)
    ScrubFilter().filter(record)
    message = record.getMessage()
    assert token not in message and "[token]" in message
