"""Backup and restore of the whole portal: database rows (as Django fixtures) and every stored file.

Works the same on SQLite and PostgreSQL and with any storage backend. For large production
databases prefer `pg_dump` plus a copy of the media bucket (README); this command is what the
restore drill and small installations use.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
FORMAT = "observatorio1325-backup/1"


def _walk(path: str = "") -> Iterator[str]:
    directories, files = default_storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from _walk(f"{path}/{directory}" if path else directory)


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("contenttypes", "sessions", "admin", "axes")
        and model._meta.label != "auth.Permission"
    }


def create_backup(target: Path) -> dict[str, Any]:
    """Write one .tar.gz with data.json, every stored file and a manifest of counts and SHA-256 hashes."""
    data = io.StringIO()
    call_command("dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDE, stdout=data)
    payload = data.getvalue().encode()
    manifest: dict[str, Any] = {"format": FORMAT, "counts": _counts(), "files": {}}
    files: dict[str, str] = {}
    with tarfile.open(target, "w:gz") as archive:
        _add(archive, "data.json", payload)
        try:
            names = list(_walk())
        except FileNotFoundError:
            names = []
        for name in names:
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            files[name] = hashlib.sha256(content).hexdigest()
            _add(archive, f"media/{name}", content)
        manifest["files"] = files
        manifest["data_sha256"] = hashlib.sha256(payload).hexdigest()
        _add(archive, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
    return manifest


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    archive.addfile(info, io.BytesIO(content))


class BackupError(Exception):
    pass


def restore_backup(source: Path) -> dict[str, Any]:
    """Replace the whole database and the stored files with the backup's; checks every hash first."""
    with tarfile.open(source, "r:gz") as archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        if "manifest.json" not in members or "data.json" not in members:
            raise BackupError("not a backup of this portal (manifest.json or data.json missing)")
        manifest = json.loads(_read(archive, members["manifest.json"]))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        payload = _read(archive, members["data.json"])
        if hashlib.sha256(payload).hexdigest() != manifest["data_sha256"]:
            raise BackupError("data.json does not match its hash: the backup is damaged")
        files = {}
        for name, digest in manifest["files"].items():
            if ".." in name.split("/") or name.startswith("/"):
                raise BackupError(f"refusing an unsafe path in the backup: {name!r}")
            content = _read(archive, members[f"media/{name}"])
            if hashlib.sha256(content).hexdigest() != digest:
                raise BackupError(f"{name} does not match its hash: the backup is damaged")
            files[name] = content
    fixture = Path(source).with_suffix(".restore.json")
    fixture.write_bytes(payload)
    try:
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(fixture), verbosity=0)
    finally:
        fixture.unlink(missing_ok=True)
    try:
        existing = list(_walk())
    except FileNotFoundError:
        existing = []
    for name in existing:
        default_storage.delete(name)
    for name, content in files.items():
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:
            raise BackupError(f"storage renamed {name} to {saved}")
    call_command("rebuild_search", verbosity=0, stdout=io.StringIO())
    return manifest


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"cannot read {member.name}")
    return handle.read()
