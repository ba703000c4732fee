"""Issue 19, part 2: on a phone (320, 360 and 414 px) every page shows everything, in both languages.

One test per language. Each page is loaded once and looked at three times, resizing the same browser page: nothing
may stick out past the right edge of the screen unless it sits in a box made to scroll sideways, the menu must be
closed behind its button, and after opening the button (on the first page each person sees: the header does not
change from page to page) every menu item and the language switch must be visible, on screen and not cut.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.test_moderation_flow import log_in
from tests.factories import EvidenceFactory
from tests.test_permission_matrix import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (320, 360, 414)

PUBLIC = [
    "/{lang}/",
    "/{lang}/plans/",
    "/{lang}/plans/{plan}/",
    "/{lang}/plans/{plan}/indicators/I13/",
    "/{lang}/institutions/",
    "/{lang}/institutions/SRE/",
    "/{lang}/evidence/",
    "/{lang}/evidence/{long_item}/",
    "/{lang}/reports/",
    "/{lang}/reports/{report_slug}/v1/",
    "/{lang}/transparency/",
    "/{lang}/transparency/requests/{request_public}/",
    "/{lang}/organisations/",
    "/{lang}/organisations/intersecta/",
    "/{lang}/about/",
    "/{lang}/about/reliability/",
    "/{lang}/data/",
    "/{lang}/accounts/login/",
]
# Seen by a reviewer of Intersecta (a member who also writes reports).
WORKSPACE = [
    "/{lang}/workspace/evidence/",
    "/{lang}/workspace/evidence/new/",
    "/{lang}/evidence/{draft}/",
    "/{lang}/workspace/evidence/import/",
    "/{lang}/workspace/evidence/import/{import_job}/",
    "/{lang}/workspace/requests/",
    "/{lang}/workspace/requests/{request_private}/",
    "/{lang}/workspace/reports/",
    "/{lang}/workspace/reports/{report}/",
    "/{lang}/workspace/reports/{report}/v2/embargo/",
    "/{lang}/accounts/inbox/",
    "/{lang}/accounts/profile/",
]
MODERATION = [
    "/{lang}/moderation/",
    "/{lang}/moderation/{submitted}/",
    "/{lang}/moderation/audit/",
    "/{lang}/manage/people/",
    "/{lang}/manage/organisations/",
]

# Everything whose right edge passes the viewport's, outside any box that scrolls sideways (overflow-x auto/scroll).
OVERFLOW = """() => {
    const width = window.innerWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width) {
        found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    }
    // Inside a box made to scroll sideways, or inside a visually hidden one (1 px, overflow hidden: for screen readers).
    const exempt = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            const x = getComputedStyle(p).overflowX;
            if (x === 'auto' || x === 'scroll') return true;
            if (x === 'hidden' && p.getBoundingClientRect().width <= 1) return true;
        }
        return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
        if (!el.checkVisibility({visibilityProperty: true}) || exempt(el)) continue;
        const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        found.push(`${name} ends at ${Math.round(box.right)} px: "${(el.innerText || '').trim().slice(0, 50)}"`);
        if (found.length > 5) break;
    }
    return found;
}"""

# Every link and button of the opened menu, and the language switch: shown, on screen, its text not cut.
MENU = """() => {
    const width = window.innerWidth;
    const bad = [];
    const items = document.querySelectorAll('.main-nav .nav-link, .lang-switch a, .lang-switch .lang-current');
    for (const el of items) {
        const box = el.getBoundingClientRect();
        const label = (el.innerText || '').trim();
        if (!el.checkVisibility({visibilityProperty: true}) || box.width === 0) bad.push(`"${label}" is hidden`);
        else if (box.left < 0 || box.right > width + 0.5) bad.push(`"${label}" is off screen (${box.left}-${box.right})`);
        else if (el.scrollWidth > el.clientWidth + 1) bad.push(`"${label}" is cut`);
    }
    return {count: items.length, bad};
}"""


def check_page(page: Page, url: str, problems: dict[str, list[str]], *, open_menu: bool) -> None:
    """Loads the page once and looks at it at each width; with open_menu, also opens the menu button there."""
    page.goto(url)
    menu = page.locator("summary.menu-button")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        found = page.evaluate(OVERFLOW)
        if not menu.is_visible():
            found.append("no menu button")
        elif page.locator(".main-nav .nav-link").first.is_visible():
            found.append("the menu is open before its button is pressed")
        elif open_menu:
            if width == WIDTHS[0]:  # by keyboard: the button takes the focus and opens with Enter
                menu.focus()
                page.keyboard.press("Enter")
            else:
                menu.click()
            result = page.evaluate(MENU)
            found += result["bad"] + [f"with the menu open: {p}" for p in page.evaluate(OVERFLOW)]
            if result["count"] < 10:
                found.append(f"only {result['count']} menu items")
            menu.click()
        if found:
            problems[f"{url} at {width} px"] = found


def visit(page: Page, base: str, lang: str, world: dict[str, str], templates: list[str]) -> dict[str, list[str]]:
    """The header is the same on every page of one person: its menu is opened on the first one."""
    problems: dict[str, list[str]] = {}
    for n, template in enumerate(templates):
        check_page(page, base + template.format(lang=lang, **world), problems, open_menu=n == 0)
    return problems


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_page_fits_a_phone_and_its_menu_opens_whole(live_server, browser: Browser, cast, mx_plan, lang):
    world = build_world(cast, mx_plan)
    long_item = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=mx_plan,
        status="approved",
        visibility="public",
        title="Participación de las mujeres en las operaciones de mantenimiento de la paz, 2021–2022 (desglose)",
        source_url="https://www.gob.mx/cms/uploads/attachment/file/" + "a1b2c3d4" * 16 + "/informe_final.pdf",
    )
    world["long_item"] = str(long_item.uuid)
    problems: dict[str, list[str]] = {}
    for who, templates in ((None, PUBLIC), (cast.reviewer, WORKSPACE), (cast.moderator, MODERATION)):
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 800}, reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(10_000)
        if who is not None:
            log_in(page, live_server.url, who.email)
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        problems |= visit(page, live_server.url, lang, world, templates)
        context.close()
    assert problems == {}


def test_on_a_wide_screen_the_menu_shows_without_a_button(live_server, browser: Browser, cast, page: Page):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, cast.moderator.email)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/en/")
    assert not page.locator("summary.menu-button").is_visible()
    links = page.locator(".main-nav .nav-link")
    assert links.count() >= 10
    assert all(links.nth(i).is_visible() for i in range(links.count()))
    box = page.locator(".main-nav").bounding_box()
    assert box is not None and box["height"] < 120  # one or two rows of links, as before
