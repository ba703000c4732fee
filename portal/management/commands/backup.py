"""`manage.py backup PATH`: every row and every stored file, with a manifest of hashes.

On PostgreSQL: pg_dump and the stored files, encrypted with GnuPG to BACKUP_GPG_RECIPIENT (portal/backup_pg.py);
without a recipient only with --unencrypted. On SQLite: the row dump of portal/backup.py (a .tar.gz)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database and all stored files into one archive (on PostgreSQL: pg_dump, encrypted with GnuPG "
        "to BACKUP_GPG_RECIPIENT)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="On PostgreSQL: write the archive in the clear (it holds every e-mail address and confidential file).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if connection.vendor != "postgresql":
            manifest = create_backup(path)
            encrypted = False
        else:
            from portal.backup_pg import create_pg_backup

            recipient = "" if options["unencrypted"] else settings.BACKUP_GPG_RECIPIENT
            if not recipient and not options["unencrypted"]:
                raise CommandError(
                    "BACKUP_GPG_RECIPIENT is not set: refusing to write an unencrypted backup (it would hold every "
                    "e-mail address and confidential file in the clear). Set BACKUP_GPG_RECIPIENT (and "
                    "BACKUP_GPG_HOME) to encrypt it to the operator's public key, or pass --unencrypted explicitly."
                )
            try:
                manifest = create_pg_backup(path, recipient, settings.BACKUP_GPG_HOME or None)
            except (BackupError, OSError) as exc:
                raise CommandError(f"no backup was written: {exc}") from exc
            encrypted = bool(recipient)
        rows = sum(manifest["counts"].values())
        how = f", encrypted to {recipient}" if encrypted else ""
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {rows} rows and {len(manifest['files'])} files to {path}{how}.")
        )
