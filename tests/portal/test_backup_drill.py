"""The restore drill: back up, wipe, restore — every row, file, hash and published version comes back identical."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from monitoring.models import EvidenceAttachment, ReportVersion
from tests import files

pytestmark = pytest.mark.django_db(transaction=True)


def _state() -> dict:
    counts = {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in ("contenttypes", "sessions", "admin", "axes") and m._meta.label != "auth.Permission"
    }
    hashes = {}
    for a in EvidenceAttachment.objects.all():
        with default_storage.open(a.file.name, "rb") as handle:
            hashes[str(a.uuid)] = (a.sha256, hashlib.sha256(handle.read()).hexdigest())
    versions = {
        f"{v.report.slug}-{v.number}": (v.content_sha256, v.snapshot)
        for v in ReportVersion.objects.select_related("report")
    }
    return {"counts": counts, "hashes": hashes, "versions": versions}


def test_backup_wipe_restore_gives_back_everything(client, settings, tmp_path, media_storage):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    from portal.models import User

    member = User.objects.get(email="miembro@intersecta.demo")
    client.force_login(member)
    client.post(
        "/es/workspace/evidence/new/", {"title": "Con archivo", "action": "draft", "attachments": [files.pdf("a.pdf")]}
    )
    client.get("/es/reports/informe-sombra-pna-1325-2021-2022/v2/download.pdf")  # a stored PDF too
    before = _state()
    assert before["hashes"] and len(before["versions"]) == 2

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", str(archive), "--unencrypted", stdout=io.StringIO())

    call_command("flush", interactive=False, verbosity=0)
    for name in list(_walk()):
        default_storage.delete(name)
    assert client.get("/healthz").status_code == 200
    assert EvidenceAttachment.objects.count() == 0

    call_command("restore", str(archive), "--force", stdout=io.StringIO())

    after = _state()
    assert after == before
    for uuid, (recorded, actual) in after["hashes"].items():
        assert recorded == actual, uuid
    assert client.get("/healthz").status_code == 200
    assert client.get("/es/reports/informe-sombra-pna-1325-2021-2022/v1/").status_code == 200
    assert "despliegue" in client.get("/es/evidence/?q=despliegues").content.decode().lower()


def _walk(path=""):
    dirs, names = default_storage.listdir(path)
    for n in names:
        yield f"{path}/{n}" if path else n
    for d in dirs:
        yield from _walk(f"{path}/{d}" if path else d)


def test_restore_refuses_without_force_and_refuses_a_damaged_archive(tmp_path):
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(tmp_path / "x.tar.gz"))
    import tarfile

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as archive:
        info = tarfile.TarInfo("data.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"[]"))
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(bad), "--force")
