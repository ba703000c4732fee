"""`manage.py restore PATH.tar.gz --force`: replace ALL data and files with a backup's (hashes checked first)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`. Destroys the current data: needs --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--force", action="store_true", help="Confirm that the current data may be replaced.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["force"]:
            raise CommandError("restore replaces every row and file; run it again with --force.")
        try:
            manifest: dict[str, Any] = restore_backup(options["path"])
        except BackupError as exc:
            raise CommandError(f"nothing was changed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored {sum(manifest['counts'].values())} rows and {len(manifest['files'])} files.")
        )
