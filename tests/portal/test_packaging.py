"""Packaging metadata and lock files agree with the tree (fast checks; `make package-check` installs for real)."""

from __future__ import annotations

import ast
import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
APPS = ("portal", "monitoring")
# Top-level directories shipped as data of the portal package (portal/project/<name> once installed).
PROJECT_DATA = {
    "portal.project.templates": "templates",
    "portal.project.static": "static",
    "portal.project.locale": "locale",
}
# SHA-256 of the FSF's agpl-3.0.txt (661 lines), as shipped by choosealicense.com; the same text word for word as the
# SPDX list's AGPL-3.0-or-later.
AGPL_3_SHA256 = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", re.M)


def python_packages() -> set[str]:
    return {
        ".".join(init.parent.relative_to(ROOT).parts)
        for app in APPS
        for init in (ROOT / app).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_python_package_of_the_apps_is_listed_and_nothing_else():
    listed = set(SETUPTOOLS["packages"])
    missing = sorted(python_packages() - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    stale = sorted(listed - python_packages() - set(PROJECT_DATA))
    assert not stale, f"listed in pyproject.toml but not a package of the tree: {stale}"


def test_the_project_directories_are_shipped_as_data_of_the_portal_package():
    assert SETUPTOOLS["package-dir"] == PROJECT_DATA
    for package, directory in PROJECT_DATA.items():
        assert (ROOT / directory).is_dir()
        assert package in SETUPTOOLS["packages"] and SETUPTOOLS["package-data"][package]
    assert "data/**/*" in SETUPTOOLS["package-data"]["monitoring"]
    assert SETUPTOOLS["include-package-data"] is False


def test_the_licence_is_the_complete_agpl_3():
    text = (ROOT / "LICENSE").read_bytes()
    assert " ".join(text.decode().split()[:10]) == "GNU AFFERO GENERAL PUBLIC LICENSE Version 3, 19 November 2007"
    assert hashlib.sha256(text).hexdigest() == AGPL_3_SHA256
    assert PYPROJECT["project"]["license"] == "AGPL-3.0-or-later"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]


def test_the_source_code_link_defaults_to_the_project_repository():
    tree = ast.parse((ROOT / "portal" / "settings.py").read_text(encoding="utf-8"))
    defaults = [
        keyword.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "env_str"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "SOURCE_CODE_URL"
        for keyword in node.keywords
        if keyword.arg == "default" and isinstance(keyword.value, ast.Constant)
    ]
    assert defaults == [PYPROJECT["project"]["urls"]["Source"]]


def locked(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins: dict[str, str] = {canonicalize_name(match.group(1)): match.group(2) for match in PIN.finditer(text)}
    requirement_lines = [line for line in text.splitlines() if line and not line[0].isspace() and line[0] != "#"]
    assert len(requirement_lines) == len(pins), f"requirements/{name}: every requirement is pinned with its hashes"
    return pins


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("base.txt", PYPROJECT["project"]["dependencies"]),
        ("dev.txt", PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"]),
    ],
)
def test_the_lock_files_hold_every_declared_dependency_within_its_bounds(lock, declared):
    pins = locked(lock)
    stale = []
    for line in declared:
        requirement = Requirement(line)
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            stale.append(f"{line} (locked: {version})")
    assert not stale, f"requirements/{lock} is out of date with pyproject.toml, run `make lock`: {stale}"


def test_dev_holds_the_production_pins():
    base, dev = locked("base.txt"), locked("dev.txt")
    assert {name: dev.get(name) for name in base} == base
    # pip and setuptools are locked too: `make setup` installs with --require-hashes and builds the editable
    # install with the locked setuptools.
    assert {"pip", "setuptools", "pip-tools"} <= set(dev)
