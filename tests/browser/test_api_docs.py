"""A developer follows the /api/docs/ permalink and reads the interactive reference in her language, CSP intact."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("lang", "switch"), [("es", "English"), ("en", "Español")])
def test_the_reference_loads_swagger_ui_inside_the_site_without_a_csp_violation(live_server, page: Page, lang, switch):
    violations: list[str] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_extra_http_headers({"Accept-Language": f"{lang};q=1.0"})

    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None and response.status == 200
    assert "style-src 'self'" in response.headers["content-security-policy"]
    expect(page).to_have_url(f"{live_server.url}/{lang}/api/docs/")
    expect(page.locator("html")).to_have_attribute("lang", lang)

    info = page.locator(".swagger-ui .info")
    expect(info).to_be_visible()
    expect(info.locator(".title")).to_contain_text("Observatorio 1325 open data API")
    expect(page.locator(".swagger-ui .opblock-summary-path", has_text="/api/v1/evidence/").first).to_be_visible()
    expect(page.locator(".api-docs-fallback")).to_have_count(0)  # Swagger UI replaced the no-script text
    expect(page.get_by_role("heading", level=2).filter(has_text="API")).to_be_visible()  # the guide below

    # A request sent from the reference reaches the API (connect-src 'self' allows it).
    operation = page.locator(
        ".swagger-ui .opblock-get",
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/institutions/$")),
    )
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")

    assert violations == [] and errors == []
    # Nothing overflows a 390-px phone screen horizontally.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("link", name=switch).click()
    other = "en" if lang == "es" else "es"
    expect(page).to_have_url(re.compile(rf"/{other}/api/docs/$"))
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    assert violations == [] and errors == []
