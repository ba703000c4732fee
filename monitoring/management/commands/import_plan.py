"""`manage.py import_plan PATH [--dry-run]`: load or update a plan catalogue."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.services.catalogue_import import CatalogueError, import_catalogue, read_catalogue


class Command(BaseCommand):
    help = "Import a plan catalogue (format nap-catalogue/1), or update an imported plan in place."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Path of the catalogue YAML file.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change and write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_catalogue(options["path"])
        except CatalogueError as exc:
            for error in exc.errors:
                self.stderr.write(f"  - {error}")
            raise CommandError(f"{len(exc.errors)} error(s) in {options['path']}; nothing was written.") from exc
        report = import_catalogue(data=data, dry_run=options["dry_run"])
        prefix = "Would " if report.dry_run else ""
        verb_create = "create" if report.dry_run else "Created"
        verb_update = "update" if report.dry_run else "Updated"
        for name in report.created:
            self.stdout.write(f"{prefix}{verb_create}: {name}")
        for name in report.updated:
            self.stdout.write(f"{prefix}{verb_update}: {name}")
        for name in report.missing:
            self.stdout.write(
                self.style.WARNING(f"Missing from the file (kept, retire it in the admin if intended): {name}")
            )
        if not report.changed:
            self.stdout.write(self.style.SUCCESS(f"Plan {report.plan_slug} is up to date; nothing changed."))
        elif report.dry_run:
            self.stdout.write(
                f"Dry run: {len(report.created)} to create, {len(report.updated)} to update; nothing was written."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Plan {report.plan_slug}: {len(report.created)} created, {len(report.updated)} updated, "
                    f"{report.unchanged} unchanged."
                )
            )
