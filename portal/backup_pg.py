"""Backup and restore on PostgreSQL: ``pg_dump --format=custom`` and every stored file, encrypted with GnuPG.

The archive is a tar stream written straight into ``gpg --encrypt`` to the operator's public key
(``BACKUP_GPG_RECIPIENT`` in the GnuPG home ``BACKUP_GPG_HOME``): no plaintext copy of it ever reaches the disk.
pg_dump's output is read from its stdout in chunks and stored as parts of at most ``PART`` bytes (a tar member
needs its size first, and a part is held in memory, never in a temporary file); the stored files stream from the
storage (local disk or an S3 bucket) as in :mod:`portal.backup`. ``manifest.json``, the last member, holds the
SHA-256 of the whole dump, of each part and of every file.

Restoring decrypts twice, with the private key (``--gpg-home``): the first pass checks every hash and gpg's own
integrity check and changes nothing; the second feeds the dump to ``pg_restore --clean --if-exists
--single-transaction`` (hashing again: a mismatch kills pg_restore before it commits) and then replaces the
stored files. The connection parameters come from ``DATABASES["default"]``, the password through ``PGPASSWORD``,
never on a command line.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from portal import storage
from portal.backup import CHUNK, BackupError, RestoreIncomplete, _add, _counts, _walk

FORMAT = "observatorio1325-backup-pg/1"
PART = 64 * 1024 * 1024
DATABASE_PREFIX = "database/"


def _pg_env() -> dict[str, str]:
    """The environment for pg_dump and pg_restore: libpq's variables from ``DATABASES["default"]``."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
        ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _stderr(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read()[-2000:].decode(errors="replace").strip()


def _tool(name: str) -> str:
    """The full path of a program the backup needs (gpg, pg_dump, pg_restore)."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install gnupg postgresql-client)")
    return path


def _gpg(home: str | None) -> list[str]:
    return [_tool("gpg"), *(["--homedir", home] if home else [])]


def create_pg_backup(target: Path, recipient: str = "", gpg_home: str | None = None) -> dict[str, Any]:
    """Write the archive to ``target``: encrypted to ``recipient`` if given, else a plain tar (``--unencrypted``).

    Written under a ``.partial`` name first and renamed once complete, so a failed backup leaves nothing that
    looks like one."""
    partial = target.with_name(target.name + ".partial")
    manifest: dict[str, Any] = {"format": FORMAT, "counts": _counts(), "encrypted": bool(recipient), "files": {}}
    with contextlib.ExitStack() as stack:
        errors = stack.enter_context(tempfile.TemporaryFile())
        gpg: subprocess.Popen[bytes] | None = None
        if recipient:
            command = [*_gpg(gpg_home), "--batch", "--yes", "--trust-model", "always", "--encrypt"]
            command += ["--recipient", recipient, "--output", str(partial)]
            gpg = subprocess.Popen(  # noqa: S603 - a list of arguments, no shell
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
            )
            assert gpg.stdin is not None
            out: IO[bytes] = gpg.stdin
        else:
            out = stack.enter_context(partial.open("wb"))
        try:
            with tarfile.open(fileobj=out, mode="w|") as archive:
                manifest["database"] = _dump(archive)
                for name in _names():
                    handle, size = storage.open_stream(name)
                    with handle:
                        manifest["files"][name] = _add(archive, f"media/{name}", handle, size)
                encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _add(archive, "manifest.json", io.BytesIO(encoded), len(encoded))
            if gpg is not None:
                out.close()
                if gpg.wait() != 0:
                    raise BackupError(f"gpg could not encrypt the backup: {_stderr(errors)}")
        except BaseException:
            if gpg is not None:
                gpg.kill()
                gpg.wait()
            partial.unlink(missing_ok=True)
            raise
    partial.replace(target)
    return manifest


def _names() -> list[str]:
    try:
        return list(_walk())
    except FileNotFoundError:
        return []


def _dump(archive: tarfile.TarFile) -> dict[str, Any]:
    """Stream pg_dump's output into the archive in parts; their names and hashes, and the whole dump's hash."""
    whole = hashlib.sha256()
    parts: dict[str, str] = {}
    with tempfile.TemporaryFile() as errors:
        dump = subprocess.Popen(  # noqa: S603 - a list of arguments, no shell
            [_tool("pg_dump"), "--format=custom", "--no-password"],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=_pg_env(),
        )
        assert dump.stdout is not None
        try:
            done = False
            while not done:
                buffer = bytearray()
                while len(buffer) < PART:
                    chunk = dump.stdout.read(min(CHUNK, PART - len(buffer)))
                    if not chunk:
                        done = True
                        break
                    buffer += chunk
                if buffer or not parts:
                    whole.update(buffer)
                    name = f"{DATABASE_PREFIX}{len(parts):05d}"
                    parts[name] = _add(archive, name, io.BytesIO(bytes(buffer)), len(buffer))
        finally:
            dump.stdout.close()
            code = dump.wait()
        if code != 0:
            raise BackupError(f"pg_dump failed: {_stderr(errors)}")
    return {"sha256": whole.hexdigest(), "parts": parts}


def is_plain_tar(head: bytes) -> bool:
    return head[257:262] == b"ustar"


@contextlib.contextmanager
def _members(source: Path, gpg_home: str | None) -> Iterator[Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]]:
    """The archive's members in order, decrypted on the fly when it is encrypted. Raises if gpg then fails."""
    with source.open("rb") as probe:
        plain = is_plain_tar(probe.read(512))
    with contextlib.ExitStack() as stack:
        gpg: subprocess.Popen[bytes] | None = None
        errors = stack.enter_context(tempfile.TemporaryFile())
        if plain:
            stream: IO[bytes] = stack.enter_context(source.open("rb"))
        else:
            command = [*_gpg(gpg_home), "--quiet", "--decrypt", str(source)]
            gpg = subprocess.Popen(  # noqa: S603 - a list of arguments, no shell
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
            )
            assert gpg.stdout is not None
            stream = gpg.stdout

        def iterate() -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
            with tarfile.open(fileobj=stream, mode="r|") as archive:
                for member in archive:
                    yield member, archive.extractfile(member) if member.isfile() else None

        damaged: tarfile.TarError | None = None
        code = 0
        try:
            yield iterate()
            while stream.read(CHUNK):  # gpg checks the integrity of the whole message at its end
                pass
        except tarfile.TarError as exc:  # reading the tar stream (while iterating or reading a member)
            damaged = exc
        finally:
            if gpg is not None:
                stream.close()
                if gpg.poll() is None:
                    gpg.kill()
                code = gpg.wait()
        if gpg is not None and code != 0:
            raise BackupError(f"gpg could not decrypt the backup or found it altered: {_stderr(errors)}")
        if damaged is not None:
            raise BackupError(f"the archive is damaged or not a backup ({damaged})") from damaged


def _hash(handle: IO[bytes] | None, target: IO[bytes] | _Tee | None = None) -> str:
    sha256 = hashlib.sha256()
    if handle is not None:
        while chunk := handle.read(CHUNK):
            sha256.update(chunk)
            if target is not None:
                target.write(chunk)
    return sha256.hexdigest()


def verify_pg_backup(source: Path, gpg_home: str | None = None) -> dict[str, Any]:
    """Read the whole archive once and check every hash against the manifest; returns the manifest."""
    hashes: dict[str, str] = {}
    whole = hashlib.sha256()
    manifest: dict[str, Any] | None = None
    with _members(source, gpg_home) as members:
        for member, handle in members:
            if member.name == "manifest.json" and handle is not None:
                try:
                    manifest = json.loads(handle.read())
                except ValueError as exc:
                    raise BackupError("manifest.json is not readable: the backup is damaged") from exc
            elif member.name.startswith(DATABASE_PREFIX) and handle is not None:
                hashes[member.name] = hashlib.sha256(_tee(handle, whole)).hexdigest()
            else:
                hashes[member.name] = _hash(handle)
    if manifest is None:
        raise BackupError("not a backup of this portal (manifest.json missing)")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    parts = manifest["database"]["parts"]
    if {name: hashes.get(name) for name in parts} != parts or sorted(parts) != sorted(
        n for n in hashes if n.startswith(DATABASE_PREFIX)
    ):
        raise BackupError("the database dump does not match its hashes: the backup is damaged")
    if whole.hexdigest() != manifest["database"]["sha256"]:
        raise BackupError("the database dump does not match its hash: the backup is damaged")
    for name, digest in manifest["files"].items():
        if ".." in name.split("/") or name.startswith("/"):
            raise BackupError(f"refusing an unsafe path in the backup: {name!r}")
        if f"media/{name}" not in hashes:
            raise BackupError(f"{name} is missing from the backup")
        if hashes[f"media/{name}"] != digest:
            raise BackupError(f"{name} does not match its hash: the backup is damaged")
    return manifest


def _tee(handle: IO[bytes], whole: Any) -> bytes:
    """Read a (bounded, at most ``PART`` bytes) database part, adding it to the whole dump's hash."""
    data = handle.read()
    whole.update(data)
    return data


def restore_pg_backup(source: Path, gpg_home: str | None = None) -> dict[str, Any]:
    """Check the whole archive, then replace the database (pg_restore) and every stored file with the backup's."""
    if connection.vendor != "postgresql":
        raise BackupError("this is a PostgreSQL backup (pg_dump): restore it into a PostgreSQL database")
    manifest = verify_pg_backup(source, gpg_home)
    connection.close()
    wanted = {f"media/{name}": name for name in manifest["files"]}
    with tempfile.TemporaryFile() as errors, _members(source, gpg_home) as members:
        command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "--no-password"]
        command += ["--dbname", str(connection.settings_dict["NAME"])]
        restore: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603 - a list of arguments, no shell
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors, env=_pg_env()
        )
        whole = hashlib.sha256()
        try:
            for member, handle in members:
                if member.name.startswith(DATABASE_PREFIX):
                    if restore is None or restore.stdin is None:
                        raise BackupError("the database dump is not in one piece: the backup is damaged")
                    digest = _hash(handle, _Tee(restore.stdin, whole))
                    if digest != manifest["database"]["parts"].get(member.name):
                        raise BackupError("the database dump changed since it was checked: nothing was restored")
                    continue
                if restore is not None:
                    _finish(restore, whole, manifest, errors)
                    restore = None
                    for existing in _names():
                        default_storage.delete(existing)
                name = wanted.get(member.name)
                if name is None or handle is None:
                    continue
                content = cast(IO[bytes], _Forward(handle, member.size))
                saved = default_storage.save(name, File(content, name=name))
                if saved != name:
                    raise RestoreIncomplete(f"the database was restored, but the storage renamed {name} to {saved}")
            if restore is not None:
                _finish(restore, whole, manifest, errors)
                restore = None
        finally:
            if restore is not None:  # never reached its end: kill it before it commits
                restore.kill()
                restore.wait()
    call_command("rebuild_search", verbosity=0, stdout=io.StringIO())
    return manifest


class _Forward(io.RawIOBase):
    """A member of the tar stream as a file that reads forwards only (the bucket's upload then reads in chunks)."""

    def __init__(self, source: IO[bytes], size: int):
        self.source, self.size = source, size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        return self.source.read(CHUNK if size is None or size < 0 else size)


class _Tee:
    def __init__(self, target: IO[bytes], sha256: Any):
        self.target, self.sha256 = target, sha256

    def write(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        self.target.write(chunk)


def _finish(restore: subprocess.Popen[bytes], whole: Any, manifest: dict[str, Any], errors: IO[bytes]) -> None:
    if whole.hexdigest() != manifest["database"]["sha256"]:
        restore.kill()
        restore.wait()
        raise BackupError("the database dump changed since it was checked: nothing was restored")
    assert restore.stdin is not None
    restore.stdin.close()
    if restore.wait() != 0:
        raise BackupError(f"pg_restore failed (the database was left as it was): {_stderr(errors)}")
