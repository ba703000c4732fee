"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; live_server is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

MX_SLUG = "mx-pna-1325-2021"
MX_FILE = Path(settings.DEFAULT_PLAN_FILE)


@pytest.fixture
def mx_catalogue_text() -> str:
    return MX_FILE.read_text(encoding="utf-8")


@pytest.fixture
def mx_plan(db):
    """Mexico's PNA-1325 as shipped with the portal, imported through the real importer."""
    from monitoring.models import Plan
    from monitoring.services.catalogue_import import import_catalogue, read_catalogue

    plan = Plan.objects.filter(slug=MX_SLUG).first()
    if plan is None:
        import_catalogue(data=read_catalogue(MX_FILE))
        plan = Plan.objects.get(slug=MX_SLUG)
    return plan


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadgroup`` (the Makefile's) with all of tests/deploy/ in one group, so that the stack of nginx,
    gunicorn and Celery their session fixture starts runs once, in one worker. Their ``xdist_group`` mark says the
    same, but pytest 9.2's node ids make xdist 3.8 ignore it (pytest-dev/pytest-xdist#1386)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class DeployTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/deploy" if nodeid.startswith("tests/deploy/") else super()._split_scope(nodeid)

    return DeployTogether(config, log)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: everything must run."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} skipped test(s); every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def world(cast, mx_plan):
    """A shadow report by Intersecta and Data Cívica on Mexico's plan, with public, confidential, waiting and
    out-of-period evidence on I13 (tests/reporting.py)."""
    from tests.reporting import make_world

    return make_world(cast, mx_plan)


@pytest.fixture
def cast(db):
    from tests.cast import make_cast

    return make_cast()


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Every test stores uploads in its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None},
        },
    }
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache is per process; each test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


REFERENCE_DATA = [
    ("0003_regions", "add_regions"),
    ("0009_mexican_holidays", "add"),
    ("0025_site_pages", "create_pages"),
]


def load_reference_data() -> None:
    """States and holidays are rows that migrations load. Transactional tests (the browser suite) flush them,
    so they are loaded again, idempotently, before the suite and before each browser test."""
    import importlib

    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(f"monitoring.migrations.{module}"), function)(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def start_in_english():
    """Each test starts with English active, whatever the test before it requested: the test client leaves the
    last request's language active in the thread, which made service messages depend on test order. Pages
    still answer in the language of their /es/ or /en/ prefix."""
    from django.utils import translation

    with translation.override("en"):
        yield
