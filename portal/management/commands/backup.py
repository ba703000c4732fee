"""`manage.py backup PATH.tar.gz`: every row and every stored file, with a manifest of hashes."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.backup import create_backup


class Command(BaseCommand):
    help = "Back up the database and all stored files into one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        manifest = create_backup(options["path"])
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {rows} rows and {len(manifest['files'])} files to {options['path']}.")
        )
