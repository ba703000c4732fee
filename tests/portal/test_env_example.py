"""Every environment variable the settings read is documented in .env.example, under a comment.

The names come from portal/settings.py's source (its syntax tree), not from a list kept by hand: a new
``env_int("SOMETHING", …)`` or ``os.environ.get("SOMETHING")`` fails here until .env.example explains it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "portal" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
# Modules besides the settings that may read a variable .env.example documents (portal/env.py reads by parameter).
OTHER_MODULES = [
    path
    for app in ("portal", "monitoring")
    for path in sorted((ROOT / app).rglob("*.py"))
    if path != SETTINGS and path.name != "env.py" and "migrations" not in path.parts
]

# `NAME=value`, or `# NAME=value` for a variable shown commented out.
ASSIGNMENT = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")


def env_helpers(tree: ast.Module) -> set[str]:
    """The names settings.py imports from portal.env (env_str, env_int, …), under the name it uses them by."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "portal.env"
        for alias in node.names
    }


def is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def environment_reads(source: str) -> tuple[dict[str, int], list[str]]:
    """Names read from the environment, with their first line, and the reads whose name is not a literal."""
    tree = ast.parse(source)
    helpers = env_helpers(tree)
    names: dict[str, int] = {}
    dynamic: list[str] = []

    def record(arg: ast.expr | None, node: ast.AST) -> None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.setdefault(arg.value, node.lineno)
        else:
            dynamic.append(f"line {node.lineno}: {ast.unparse(node)}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            first = node.args[0] if node.args else None
            helper = isinstance(func, ast.Name) and func.id in helpers  # env_str("NAME", …)
            # os.environ.get("NAME"), os.getenv("NAME") (os.environ.setdefault(…) writes, it is not a setting)
            environ = isinstance(func, ast.Attribute) and (
                (func.attr == "get" and is_os_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os")
            )
            if helper or environ:
                record(first, node)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and is_os_environ(node.value):
            # os.environ["NAME"]
            record(node.slice, node)
    return names, dynamic


def documented(text: str) -> tuple[dict[str, int], list[str]]:
    """Variables of .env.example with their line, and those not in a paragraph that starts with a comment (or
    documented twice)."""
    lines = text.splitlines()
    found: dict[str, int] = {}
    uncommented: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = ASSIGNMENT.match(line)
        if not match:
            continue
        name = match.group(1)
        if name in found:
            uncommented.append(f"{name} (line {number}, again: first on line {found[name]})")
            continue
        found[name] = number
        start = number - 1
        while start > 0 and lines[start - 1].strip():
            start -= 1
        if not lines[start].startswith("#") or ASSIGNMENT.match(lines[start]):
            uncommented.append(f"{name} (line {number})")
    return found, uncommented


def test_the_reader_finds_every_form_of_environment_read():
    source = (
        "import os\n"
        "from portal.env import env_bool, env_str as text\n"
        'A = env_bool("ONE", default=False)\n'
        'B = text("TWO", default="")\n'
        'C = os.environ.get("THREE")\n'
        'D = os.environ["FOUR"]\n'
        'E = os.getenv("FIVE", "x")\n'
        "F = text(NAME)\n"
        'G = other("NOT_AN_ENV_READ")\n'
        'os.environ.setdefault("WRITTEN", "x")\n'
        'os.environ["ALSO_WRITTEN"] = "x"\n'
    )
    names, dynamic = environment_reads(source)
    assert set(names) == {"ONE", "TWO", "THREE", "FOUR", "FIVE"}
    assert dynamic == ["line 8: text(NAME)"]


def test_the_documentation_reader_wants_a_comment_over_each_paragraph():
    found, uncommented = documented(
        "# Database.\nDATABASE_URL=x\nDB_CONN_MAX_AGE=60\n\n# OPTIONAL=1\n\nBARE=1\n# Again.\nDATABASE_URL=y\n"
    )
    assert set(found) == {"DATABASE_URL", "DB_CONN_MAX_AGE", "OPTIONAL", "BARE"}
    assert uncommented == ["OPTIONAL (line 5)", "BARE (line 7)", "DATABASE_URL (line 9, again: first on line 2)"]


@pytest.fixture(scope="module")
def settings_reads() -> tuple[dict[str, int], list[str]]:
    return environment_reads(SETTINGS.read_text(encoding="utf-8"))


def test_settings_read_the_environment_by_literal_names_only(settings_reads):
    _, dynamic = settings_reads
    assert not dynamic, "settings.py reads environment variables whose name is not a literal: " + "; ".join(dynamic)


def test_every_variable_the_settings_read_is_in_env_example(settings_reads):
    names, _ = settings_reads
    assert len(names) > 30, "the reader no longer sees the settings' environment reads"
    found, _ = documented(ENV_EXAMPLE.read_text(encoding="utf-8"))
    missing = [f"{name} (portal/settings.py line {line})" for name, line in sorted(names.items()) if name not in found]
    assert not missing, "missing from .env.example: " + ", ".join(missing)


def test_every_variable_in_env_example_is_explained_and_read_somewhere(settings_reads):
    names = set(settings_reads[0])
    for path in OTHER_MODULES:
        names |= set(environment_reads(path.read_text(encoding="utf-8"))[0])
    found, uncommented = documented(ENV_EXAMPLE.read_text(encoding="utf-8"))
    problems = ", ".join(uncommented)
    assert not uncommented, f"in .env.example without a comment over their paragraph, or twice: {problems}"
    unknown = sorted(name for name in found if name not in names)
    assert not unknown, "in .env.example but read neither by portal/settings.py nor by the apps: " + ", ".join(unknown)
