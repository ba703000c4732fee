"""The PostgreSQL backup: pg_dump and the stored files, encrypted with GnuPG to the operator's public key.

A throwaway key in a temporary GnuPG home; the backup of the test database is restored by `manage.py restore` in
a subprocess into a fresh database (``obs_backup_restore``) and a fresh media folder, and compared. A tampered
archive is refused before anything is replaced; the audit table's append-only trigger comes back with the rows.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from monitoring.choices import Visibility
from monitoring.models import Evidence, EvidenceAttachment, Indicator
from portal.models import AuditEvent, User
from tests import files

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
RESTORED_DB = "obs_backup_restore"
MARKER = b"CONFIDENTIAL-MARKER-7f3a9c-do-not-leak"
EMAIL = "testigo.confidencial@backup.test"


@pytest.fixture
def gnupg_home():
    """A GnuPG home (short path: gpg-agent's socket lives in it) with a fresh key without passphrase."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg is needed for the encrypted backup (apt-get install gnupg)")
    home = tempfile.mkdtemp(prefix="gpg", dir="/tmp")
    os.chmod(home, 0o700)
    subprocess.run(
        [
            *("gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""),
            *("--quick-gen-key", "Backup Operator <operator@backup.test>", "future-default", "default", "never"),
        ],
        check=True,
        capture_output=True,
    )
    yield home
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], check=False, capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


def _admin(sql: str) -> None:
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql)


@pytest.fixture
def restored_db():
    if connection.vendor != "postgresql":
        pytest.fail("marked postgres: the pg_dump backup needs PostgreSQL")
    _admin(f"DROP DATABASE IF EXISTS {RESTORED_DB} WITH (FORCE)")
    _admin(f"CREATE DATABASE {RESTORED_DB}")
    yield RESTORED_DB
    _admin(f"DROP DATABASE IF EXISTS {RESTORED_DB} WITH (FORCE)")


def _connect(name: str):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=name,
        autocommit=True,
    )


def _restore(archive: Path, media: Path, gnupg_home: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{RESTORED_DB}",
        "MEDIA_ROOT": str(media),
        "STORAGE_BACKEND": "local",
    }
    command = [sys.executable, "manage.py", "restore", str(archive), "--force", "--gpg-home", gnupg_home]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _snapshot(cursor_source) -> dict:
    tables = {
        "users": "SELECT email, full_name FROM portal_user ORDER BY email",
        "audit": "SELECT action, object_id, reason FROM portal_auditevent ORDER BY id",
        "attachments": "SELECT file, sha256, size FROM monitoring_evidenceattachment ORDER BY id",
        "evidence": "SELECT title, visibility FROM monitoring_evidence ORDER BY id",
    }
    return {key: [tuple(row) for row in cursor_source.execute(sql).fetchall()] for key, sql in tables.items()}


def test_an_encrypted_backup_restores_into_a_fresh_database_and_a_tampered_one_is_refused(
    client, cast, mx_plan, settings, tmp_path, media_storage, gnupg_home, restored_db
):
    # Rows, a confidential evidence file and an audit event.
    User.objects.create_user(email=EMAIL, password="x-unused-0123456789")
    client.force_login(cast.member)
    secret = files.PDF_BYTES.replace(b"%%EOF", b"% " + MARKER + b"\n%%EOF")
    response = client.post(
        "/en/workspace/evidence/new/",
        {
            "title": "Evidencia confidencial",
            "summary": "Resumen",
            "indicators": [Indicator.objects.get(plan=mx_plan, code="I13").pk],
            "action": "draft",
            "attachments": [files.upload("secreto.pdf", secret, "application/pdf")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    Evidence.objects.filter(title="Evidencia confidencial").update(visibility=Visibility.CONFIDENTIAL)
    attachment = EvidenceAttachment.objects.get(original_name="secreto.pdf")
    AuditEvent.objects.create(action="backup.test.event", object_type="x.y", object_id="42", object_repr="x")
    with (media_storage / attachment.file.name).open("rb") as stored:
        assert MARKER in stored.read()

    # Without a recipient: refused, unless --unencrypted (which then holds the file in the clear).
    settings.BACKUP_GPG_RECIPIENT = ""
    with pytest.raises(CommandError, match="--unencrypted"):
        call_command("backup", str(tmp_path / "refused.backup"), stdout=io.StringIO())
    assert not (tmp_path / "refused.backup").exists()
    call_command("backup", str(tmp_path / "clear.backup"), "--unencrypted", stdout=io.StringIO())
    assert MARKER in (tmp_path / "clear.backup").read_bytes()

    settings.BACKUP_GPG_RECIPIENT = "operator@backup.test"
    settings.BACKUP_GPG_HOME = gnupg_home
    archive = tmp_path / "observatorio.backup.gpg"
    out = io.StringIO()
    call_command("backup", str(archive), stdout=out)
    assert "encrypted to operator@backup.test" in out.getvalue()
    data = archive.read_bytes()
    assert MARKER not in data and EMAIL.encode() not in data and b"ustar" not in data[:1024]
    packets = subprocess.run(
        ["gpg", "--homedir", gnupg_home, "--list-packets", "--batch"], input=data[:4096], capture_output=True
    ).stdout
    assert b":pubkey enc packet:" in packets
    assert not list(tmp_path.glob("*.partial"))

    with connection.cursor() as cursor:
        before = _snapshot(_Wrap(cursor))

    # Restore into a fresh database and media folder, in another process.
    media = tmp_path / "restored-media"
    done = _restore(archive, media, gnupg_home)
    assert done.returncode == 0, done.stderr[-3000:]
    with _connect(restored_db) as restored:
        assert _snapshot(restored) == before
        trigger = restored.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'portal_auditevent_append_only'"
        ).fetchone()
        assert trigger == (1,)
        import psycopg

        with pytest.raises(psycopg.Error, match="append-only"):
            restored.execute("UPDATE portal_auditevent SET reason = 'rewritten'")
        assert (media / attachment.file.name).read_bytes() == (media_storage / attachment.file.name).read_bytes()

        # A flipped byte: refused before anything is replaced.
        restored.execute("UPDATE portal_user SET full_name = 'changed after restore' WHERE email = %s", [EMAIL])
        (media / "added-after-restore.txt").write_bytes(b"still here")
        tampered = tmp_path / "tampered.backup.gpg"
        damaged = bytearray(data)
        damaged[len(damaged) // 2] ^= 0x01
        tampered.write_bytes(bytes(damaged))
        refused = _restore(tampered, media, gnupg_home)
        assert refused.returncode != 0 and "nothing was changed" in refused.stderr, refused.stderr[-3000:]
        assert "gpg" in refused.stderr  # its integrity check failed

        # An unencrypted archive has only the manifest: a flipped byte in a stored file is found by its hash.
        clear = bytearray((tmp_path / "clear.backup").read_bytes())
        clear[clear.index(MARKER)] ^= 0x01
        tampered.write_bytes(bytes(clear))
        refused = _restore(tampered, media, gnupg_home)
        assert refused.returncode != 0 and "does not match its hash" in refused.stderr, refused.stderr[-3000:]
        name = restored.execute("SELECT full_name FROM portal_user WHERE email = %s", [EMAIL]).fetchone()
        assert name == ("changed after restore",)
        assert (media / "added-after-restore.txt").read_bytes() == b"still here"
        assert (media / attachment.file.name).exists()


class _Wrap:
    """Django's cursor with psycopg's ``execute(…).fetchall()`` chaining."""

    def __init__(self, cursor):
        self.cursor = cursor

    def execute(self, sql):
        self.cursor.execute(sql)
        return self.cursor
