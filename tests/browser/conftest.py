"""Playwright driving Debian's Chromium (Playwright cannot download its own browser here)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_leftover_contexts(browser: Browser) -> Iterator[None]:
    """Each test's browser contexts end with it (a test that opens its own and fails half-way leaves none open)."""
    yield
    for context in list(browser.contexts):
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # Reduced motion: Bootstrap's smooth scrolling would otherwise move a box while Playwright clicks it.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=True, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def reference_data(request):
    """Browser tests run in transactional databases, flushed after each test: load states and holidays again."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from tests.conftest import load_reference_data

        request.getfixturevalue("transactional_db")
        load_reference_data()


@pytest.fixture
def regions(reference_data):
    """The states of Mexico (kept as a name for tests that say they need them)."""
