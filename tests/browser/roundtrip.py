"""What every browser round trip needs: log in, read a form as the browser shows it, and prove a save changed nothing.

A round trip is: open the form, fill every field, save, reopen, read every value back *from the browser*
(not from the HTML: a browser silently empties an ``<input type="date">`` whose value it cannot parse, which
is exactly what Django's test client never sees), save again untouched, and check that neither the row nor
the audit trail moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.forms.models import model_to_dict
from playwright.sync_api import Browser, Page, expect

from portal.models import AuditEvent
from tests.factories import PASSWORD

LANGUAGES = ["es", "en"]
# Milliseconds a click that publishes a version may take: the PDFs of both languages are rendered in the request when
# Celery runs eagerly (tests, `make run`).
PUBLISH_TIMEOUT = 90_000

# The words each language's pages use for the controls every round trip touches.
WORDS = {
    "es": {"email": "Correo electrónico", "password": "Contraseña", "log_in": "Iniciar sesión"},
    "en": {"email": "E-mail address", "password": "Password", "log_in": "Log in"},
}

# Reads every control of a form the way the browser holds it now (after its own parsing of each value).
_READ_FORM = """
(form) => {
  const values = {};
  for (const el of form.elements) {
    if (!el.name || el.type === 'hidden' || el.type === 'file' || el.type === 'submit' || el.type === 'button'
        || el.name === 'csrfmiddlewaretoken') continue;
    let value;
    if (el.type === 'checkbox' || el.type === 'radio') {
      if (!el.checked) { if (!(el.name in values)) values[el.name] = []; continue; }
      value = el.value;
    } else if (el.tagName === 'SELECT' && el.multiple) {
      values[el.name] = Array.from(el.selectedOptions).map(o => o.value).sort();
      continue;
    } else {
      value = el.value;
    }
    if (el.type === 'checkbox' || el.type === 'radio') {
      values[el.name] = [...(values[el.name] || []), value].sort();
    } else {
      values[el.name] = value;
    }
  }
  return values;
}
"""


def log_in(page: Page, base: str, email: str, lang: str = "en") -> None:
    """Log in through the real form in the given language and wait until the site has let the person in."""
    words = WORDS[lang]
    page.goto(f"{base}/{lang}/accounts/login/")
    page.get_by_label(words["email"]).fill(email)
    # Required fields carry an asterisk after the label text: "Contraseña*".
    page.get_by_label(re.compile(rf"^\s*{re.escape(words['password'])}\*?\s*$")).fill(PASSWORD)
    page.get_by_role("button", name=words["log_in"]).click()
    expect(page.locator("form[action$='/accounts/logout/']").first).to_be_attached()


def form_values(page: Page, selector: str = "main form[method=post]") -> dict[str, Any]:
    """Every named control of the form: text as the browser holds it, ticked boxes as sorted lists of values."""
    return page.locator(selector).first.evaluate(_READ_FORM)


def row_state(instance: Any, exclude: tuple[str, ...] = ("updated_at",)) -> dict[str, Any]:
    """A row's fields, its many-to-many included, as plain values to compare before and after a save."""
    instance.refresh_from_db()
    state = model_to_dict(instance)
    for name, value in list(state.items()):
        if isinstance(value, list):
            state[name] = sorted(getattr(v, "pk", v) for v in value)
    for name in exclude:
        state.pop(name, None)
    return state


@contextmanager
def nothing_changes(*instances: Any, exclude: tuple[str, ...] = ("updated_at",)) -> Iterator[None]:
    """Assert that what runs inside changes none of the rows and writes no audit event that claims a change."""
    before = [row_state(i, exclude) for i in instances]
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    after = [row_state(i, exclude) for i in instances]
    changed = [{k: (b.get(k), a.get(k)) for k in a if a.get(k) != b.get(k)} for b, a in zip(before, after, strict=True)]
    assert after == before, f"an untouched save changed the row: {changed}"
    new_events = list(AuditEvent.objects.filter(pk__gt=last_audit).values("action", "changes"))
    assert [e for e in new_events if e["changes"]] == [], f"an untouched save was audited as a change: {new_events}"


def fill_by_name(page: Page, values: dict[str, Any], selector: str = "main form[method=post]") -> None:
    """Fill controls by their ``name``: text, textareas and selects take a string; checkboxes a list of values."""
    form = page.locator(selector).first
    for name, value in values.items():
        control = form.locator(f"[name='{name}']")
        if isinstance(value, list):
            for box in control.all():
                box.set_checked(box.get_attribute("value") in value, force=True)
            continue
        first = control.first
        tag = first.evaluate("el => el.tagName")
        if tag == "SELECT":
            first.select_option(value)
        elif first.get_attribute("type") == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check(force=True)
        elif first.get_attribute("type") == "checkbox":
            first.set_checked(bool(value), force=True)
        else:
            first.fill(value)


def expect_values(page: Page, expected: dict[str, Any], selector: str = "main form[method=post]") -> None:
    """Every expected control shows exactly the expected value (lists compared sorted)."""
    shown = form_values(page, selector)
    for name, value in expected.items():
        want = sorted(value) if isinstance(value, list) else value
        got = shown.get(name)
        if isinstance(got, list) and not isinstance(value, list):  # a radio group read as its one chosen value
            got = got[0] if len(got) == 1 else (got or "")
        assert got == want, f"{name}: the form shows {got!r}, expected {want!r}"


def round_trip(
    page: Page,
    url: str,
    values: dict[str, Any],
    save: Callable[[Page], None],
    selector: str = "main form[method=post]",
) -> None:
    """Open the form, fill it, save it, reopen it and check every value reads back as filled."""
    page.goto(url)
    fill_by_name(page, values, selector)
    save(page)
    page.goto(url)
    expect_values(page, values, selector)


def required_label(word: str) -> re.Pattern[str]:
    """A field's label exactly, with or without the asterisk crispy adds to required fields."""
    return re.compile(rf"^\s*{re.escape(word)}\s*\*?\s*$")


def log_in_as(page: Page, base: str, email: str, lang: str = "en") -> None:
    """Like ``log_in``, for the real form whose labels carry crispy's required-field asterisk ("Password*")."""
    words = WORDS[lang]
    page.goto(f"{base}/{lang}/accounts/login/")
    page.get_by_label(required_label(words["email"])).fill(email)
    page.get_by_label(required_label(words["password"])).fill(PASSWORD)
    page.get_by_role("button", name=words["log_in"]).click()
    expect(page.locator("form[action$='/accounts/logout/']").first).to_be_attached()


@contextmanager
def second_person(browser: Browser, base: str, email: str, lang: str = "en") -> Iterator[Page]:
    """A separate browser session (own cookies), logged in as someone else through the real form; closed after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        log_in_as(other, base, email, lang)
        yield other
    finally:
        context.close()
