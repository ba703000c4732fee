"""What identifies the running release, for caches of rendered pages: a fingerprint of the code, templates,
translations and the static files manifest, computed once per process from their contents (a few megabytes,
read once at the first cached request). Every process of the same release agrees, on any machine; a deploy
changes it, so no page rendered by the previous release is served by the next one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo", ".json", ".yaml", ".svg", ".css", ".js"})


def _roots() -> list[Path]:
    base = Path(settings.BASE_DIR)
    project = Path(getattr(settings, "PROJECT_DIR", base))
    roots = [base / "portal", base / "monitoring", project / "templates", project / "locale"]
    static_root = getattr(settings, "STATIC_ROOT", None)
    if static_root:
        roots.append(Path(static_root) / "staticfiles.json")
    return roots


def fingerprint() -> str:
    digest = hashlib.sha256()
    for root in _roots():
        if root.is_file():
            files = [root]
        elif root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and "__pycache__" not in p.parts)
        else:
            continue
        for path in files:
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
