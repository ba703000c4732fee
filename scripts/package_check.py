#!/usr/bin/env python3
"""Prove that the project installs as a package: `pip install .` and `pip install -e .` (`make package-check`, CI).

1. Copy the source tree (the files git tracks or would track, plus the compiled catalogues) to a temporary
   directory, so that building leaves nothing (build/, *.egg-info) in the checkout.
2. Create a virtualenv there with the locked production requirements (requirements/base.txt, hashes checked).
3. `pip install --no-deps <copy>`, then probe the installed copy from a directory outside the source: the code
   comes from site-packages; the settings point at the packaged templates, static files and translations, and
   Django finds them there; every module, migration, template, static file, catalogue and data file of the tree
   was installed, and tests/, bench/, scripts/ were not; the licence is in the metadata. Then, under production
   settings, `check --deploy`, `migrate` on a scratch SQLite database, `collectstatic` (manifest storage) and a
   page rendered in Spanish with its hashed static files and the footer's source code link.
4. Uninstall, `pip install --no-deps -e <copy>` and probe again: an editable install reads the checkout's
   top-level templates/, static/ and locale/.

Needs the network (or pip's cache) for the build backend and the requirements, like any `pip install`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "observatorio1325"
APPS = ("portal", "monitoring")
PROJECT_DIRECTORIES = ("templates", "static", "locale")


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, show: bool = False) -> None:
    arguments = [str(part) for part in command]  # this script's own commands: python, pip, the probe
    result = subprocess.run(arguments, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"package-check: failed: {' '.join(str(part) for part in command)}")
    if show:
        sys.stdout.write(result.stdout)


# Outside a git checkout (an unpacked archive), everything but these is copied.
NOT_SOURCE = {".git", ".venv", "__pycache__", "staticfiles", "media", "build", "dist", "node_modules"}


def source_files() -> list[Path]:
    """What a fresh clone would hold (tracked and not ignored), plus the compiled catalogues that builds ship."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
    )
    if listed.returncode == 0:
        files = [Path(name) for name in listed.stdout.decode().split("\0") if name]
    else:
        files = [
            path.relative_to(ROOT)
            for path in ROOT.rglob("*")
            if not NOT_SOURCE & set(path.relative_to(ROOT).parts)
            and not any(part.endswith((".egg-info", "_cache")) for part in path.relative_to(ROOT).parts)
            and path.suffix not in {".pyc", ".sqlite3"}
        ]
    files += [path.relative_to(ROOT) for path in (ROOT / "locale").rglob("*.mo")]
    return sorted({path for path in files if (ROOT / path).is_file()})


def copy_tree(destination: Path) -> None:
    for relative in source_files():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target)


def probe_environment(work: Path, mode: str, source: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    scratch = work / f"run-{mode}"
    scratch.mkdir()
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="observatorio.example.org",
        DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}",
        STATIC_ROOT=str(scratch / "static"),
        MEDIA_ROOT=str(scratch / "media"),
        PACKAGE_CHECK_MODE=mode,
        PACKAGE_CHECK_SOURCE=str(source),
    )
    return env


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="package-check-"))
    try:
        source = work / "src"
        copy_tree(source)
        venv = work / "venv"
        run(sys.executable, "-m", "venv", venv)
        python = venv / "bin" / "python"
        pip = (python, "-m", "pip", "--quiet")
        print("package-check: locked production requirements into a throwaway virtualenv")
        run(*pip, "install", "--require-hashes", "-r", source / "requirements" / "base.txt")
        # The probe runs from a directory of its own: neither the checkout nor the copy is on sys.path.
        probe_dir = work / "probe"
        probe_dir.mkdir()
        shutil.copy2(Path(__file__), probe_dir / "probe.py")

        print("package-check: pip install --no-deps .")
        run(*pip, "install", "--no-deps", source)
        run(
            python,
            probe_dir / "probe.py",
            "--probe",
            cwd=probe_dir,
            env=probe_environment(work, "installed", source),
            show=True,
        )
        run(*pip, "uninstall", "--yes", DISTRIBUTION)

        print("package-check: pip install --no-deps -e .")
        run(*pip, "install", "--no-deps", "-e", source)
        run(
            python,
            probe_dir / "probe.py",
            "--probe",
            cwd=probe_dir,
            env=probe_environment(work, "editable", source),
            show=True,
        )
        print("package-check: both installs find their templates, static files, translations, migrations and data")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"package-check ({os.environ['PACKAGE_CHECK_MODE']}): {message}")


def probe() -> None:
    """Runs inside the throwaway virtualenv, with the settings of probe_environment()."""
    import importlib.metadata

    import django
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.template import Engine
    from django.test import Client, override_settings
    from django.utils import translation

    mode = os.environ["PACKAGE_CHECK_MODE"]
    source = Path(os.environ["PACKAGE_CHECK_SOURCE"])
    django.setup()
    import monitoring
    import portal

    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    portal_dir = Path(portal.__file__).resolve().parent
    code_root = site_packages if mode == "installed" else source
    check(portal_dir == code_root / "portal", f"portal imported from {portal_dir}, not from {code_root}")
    check(Path(monitoring.__file__).resolve().parent == code_root / "monitoring", "monitoring imported elsewhere")
    project_dir = portal_dir / "project" if mode == "installed" else source

    dirs = {
        "TEMPLATES DIRS": (settings.TEMPLATES[0]["DIRS"], [project_dir / "templates"]),
        "STATICFILES_DIRS": (settings.STATICFILES_DIRS, [project_dir / "static"]),
        "LOCALE_PATHS": (settings.LOCALE_PATHS, [project_dir / "locale"]),
    }
    for setting, (actual, expected) in dirs.items():
        check(actual == expected, f"{setting} is {actual}, not {expected}")
    origin = Path(Engine.get_default().find_template("base.html")[1].name)
    check(origin == project_dir / "templates" / "base.html", f"base.html found at {origin}")
    found = finders.find("css/portal.css")
    check(isinstance(found, str) and Path(found) == project_dir / "static" / "css" / "portal.css", f"static {found}")
    with translation.override("es"):
        check(translation.gettext("Source code") == "Código fuente", "no Spanish catalogue (run `make messages`)")
    check(Path(settings.DEFAULT_PLAN_FILE).is_file(), f"no plan catalogue at {settings.DEFAULT_PLAN_FILE}")

    if mode == "installed":
        missing = []
        for app in APPS:
            for path in (source / app).rglob("*"):
                if path.is_file() and "__pycache__" not in path.parts:
                    relative = path.relative_to(source)
                    if not (site_packages / relative).is_file():
                        missing.append(str(relative))
        for directory in PROJECT_DIRECTORIES:
            for path in (source / directory).rglob("*"):
                shipped = path.is_file() and (directory != "locale" or path.suffix in {".po", ".mo"})
                if shipped and not (project_dir / path.relative_to(source)).is_file():
                    missing.append(str(path.relative_to(source)))
        check(not missing, f"not installed: {missing}")
        check(not (portal_dir / "project" / "templates" / "__init__.py").exists(), "data directories became packages")
        distribution = importlib.metadata.distribution(DISTRIBUTION)
        top_level = sorted({Path(str(file)).parts[0] for file in distribution.files or []})
        check(top_level == ["monitoring", "observatorio1325-0.1.0.dist-info", "portal"], f"top level: {top_level}")
        check(
            any(str(file).endswith("licenses/LICENSE") for file in distribution.files or []),
            "no LICENSE in the metadata",
        )
        check(distribution.metadata["License-Expression"] == "AGPL-3.0-or-later", "licence expression")

    call_command("check", "--deploy", "--fail-level", "WARNING", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)
    # Django's manifest storage: every file found and stored under its hashed name, as in production, without
    # WhiteNoise compressing each one (minutes of brotli that prove nothing about packaging).
    manifest_storage = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": manifest_storage}):
        call_command("collectstatic", "--noinput", verbosity=0)
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        check(manifest.is_file(), "collectstatic wrote no manifest")
        response = Client().get("/es/about/", secure=True, headers={"host": "observatorio.example.org"})
    check(response.status_code == 200, f"/es/about/ answered {response.status_code}")
    html = response.content.decode()
    check("Código fuente" in html and settings.SOURCE_CODE_URL in html, "no source code link in the footer")
    check('href="/static/css/portal.' in html and 'portal.css"' not in html, "static files not served hashed")
    print(f"package-check ({mode}): ok, templates/static/locale from {project_dir}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--probe"]:
        probe()
    else:
        main()
