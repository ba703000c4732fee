"""`manage.py restore PATH --force`: replace ALL data and files with a backup's (hashes checked first).

Reads both kinds of archive: the row dump (.tar.gz, portal/backup.py) and the PostgreSQL one (pg_dump, usually
encrypted with GnuPG: the operator's private key in --gpg-home; portal/backup_pg.py)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import BackupError, RestoreIncomplete, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`. Destroys the current data: needs --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--force", action="store_true", help="Confirm that the current data may be replaced.")
        parser.add_argument(
            "--gpg-home",
            default=None,
            help="GnuPG home holding the private key of an encrypted backup (default: BACKUP_GPG_HOME, else ~/.gnupg).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["force"]:
            raise CommandError("restore replaces every row and file; run it again with --force.")
        path: Path = options["path"]
        try:
            with path.open("rb") as probe:
                head = probe.read(512)
        except OSError as exc:
            raise CommandError(f"nothing was changed: {exc}") from exc
        try:
            if head[:2] == b"\x1f\x8b":  # the row dump (.tar.gz)
                manifest: dict[str, Any] = restore_backup(path)
            else:
                from portal.backup_pg import restore_pg_backup

                manifest = restore_pg_backup(path, options["gpg_home"] or settings.BACKUP_GPG_HOME or None)
        except BackupError as exc:
            raise CommandError(f"nothing was changed: {exc}") from exc
        except RestoreIncomplete as exc:
            raise CommandError(f"{exc}; restore again once the storage works") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored {sum(manifest['counts'].values())} rows and {len(manifest['files'])} files.")
        )
