"""Backup and restore of the whole portal: database rows (as Django fixtures) and every stored file.

Works the same on SQLite and PostgreSQL and with any storage backend (local disk or an S3 bucket);
files are streamed in chunks both ways, so their size does not matter. `manage.py backup` writes this row dump
on SQLite; on PostgreSQL it writes pg_dump plus the files, encrypted with GnuPG (portal/backup_pg.py).
`manage.py restore` reads both.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from portal import storage

EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
FORMAT = "observatorio1325-backup/1"
CHUNK = 1024 * 1024


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
    """Write one .tar.gz with data.json, every stored file and a manifest of counts and SHA-256 hashes.

    Files stream from the storage (local disk or an S3 bucket) into the archive in chunks, hashed on the way."""
    manifest: dict[str, Any] = {"format": FORMAT, "counts": _counts(), "files": {}}
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(target, "w:gz") as archive:
        dump = Path(scratch) / "data.json"
        call_command(
            "dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDE, output=str(dump), verbosity=0
        )
        with dump.open("rb") as rows:
            manifest["data_sha256"] = _add(archive, "data.json", rows, dump.stat().st_size)
        try:
            names = list(_walk())
        except FileNotFoundError:
            names = []
        for name in names:
            handle, size = storage.open_stream(name)
            with handle:
                files[name] = _add(archive, f"media/{name}", handle, size)
        manifest["files"] = files
        encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
        _add(archive, "manifest.json", io.BytesIO(encoded), len(encoded))
    return manifest


class _Hashing(io.RawIOBase):
    """A reader that hashes what passes through it."""

    def __init__(self, source: IO[bytes]):
        self.source = source
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        chunk = self.source.read(CHUNK if size is None or size < 0 else size)
        self.sha256.update(chunk)
        return chunk


def _add(archive: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> str:
    """Add ``size`` bytes read from ``source`` in chunks; returns their SHA-256."""
    info = tarfile.TarInfo(name)
    info.size = size
    hashing = _Hashing(source)
    archive.addfile(info, hashing)
    return hashing.sha256.hexdigest()


class BackupError(Exception):
    pass


class RestoreIncomplete(Exception):
    """The database was replaced, the stored files only in part (portal/backup_pg.py)."""


def restore_backup(source: Path) -> dict[str, Any]:
    """Replace the whole database and the stored files with the backup's; checks every hash first.

    The archive is read twice, in chunks: once to check every hash (nothing is changed if one is wrong), once to
    write the files to the storage."""
    with tempfile.TemporaryDirectory() as scratch:
        fixture = Path(scratch) / "data.json"
        with tarfile.open(source, "r:gz") as archive:
            members = {m.name: m for m in archive.getmembers() if m.isfile()}
            if "manifest.json" not in members or "data.json" not in members:
                raise BackupError("not a backup of this portal (manifest.json or data.json missing)")
            manifest = json.loads(_read(archive, members["manifest.json"]))
            if manifest.get("format") != FORMAT:
                raise BackupError(f"unknown backup format {manifest.get('format')!r}")
            with fixture.open("wb") as target:
                if _copy(archive, members["data.json"], target) != manifest["data_sha256"]:
                    raise BackupError("data.json does not match its hash: the backup is damaged")
            for name, digest in manifest["files"].items():
                if ".." in name.split("/") or name.startswith("/"):
                    raise BackupError(f"refusing an unsafe path in the backup: {name!r}")
                member = members.get(f"media/{name}")
                if member is None:
                    raise BackupError(f"{name} is missing from the backup")
                if _copy(archive, member, None) != digest:
                    raise BackupError(f"{name} does not match its hash: the backup is damaged")
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(fixture), verbosity=0)
    try:
        existing = list(_walk())
    except FileNotFoundError:
        existing = []
    for name in existing:
        default_storage.delete(name)
    wanted = {f"media/{name}": name for name in manifest["files"]}
    with tarfile.open(source, "r:gz") as archive:
        for member in archive:  # in archive order: the gzip stream is read once, forwards
            name = wanted.get(member.name)
            if name is None or not member.isfile():
                continue
            handle = archive.extractfile(member)
            if handle is None:
                raise BackupError(f"cannot read {member.name}")
            with handle:
                saved = default_storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(f"storage renamed {name} to {saved}")
    call_command("rebuild_search", verbosity=0, stdout=io.StringIO())
    return manifest


def _copy(archive: tarfile.TarFile, member: tarfile.TarInfo, target: IO[bytes] | None) -> str:
    """Read a member in chunks (into ``target`` if given); returns its SHA-256."""
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"cannot read {member.name}")
    sha256 = hashlib.sha256()
    with handle:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            if target is not None:
                target.write(chunk)
    return sha256.hexdigest()


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    if handle is None:
        raise BackupError(f"cannot read {member.name}")
    return handle.read()
