"""The indicator picker in a real browser, in Spanish and English, with and without JavaScript.

With the script, a search box filters the list as one types (code or words, accents and capitals ignored) and
announces the number of matches; without it, the same boxes are a plain list grouped by pillar. Either way, what
was ticked is saved and reads back ticked, also when the search hides it at the moment of saving.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from monitoring.forms.fields import fold
from monitoring.models import Evidence, Indicator
from tests.browser.roundtrip import LANGUAGES, expect_values, log_in, nothing_changes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = "main form[enctype='multipart/form-data']"
PICKER = "[data-indicator-picker]"
# Strings already in the Spanish catalogue, or the English ones (new msgids are translated at merge).
TEXT = {
    "es": {"draft": "Guardar borrador", "draft_saved": "Borrador guardado.", "changes_saved": "Cambios guardados."},
    "en": {"draft": "Save draft", "draft_saved": "Draft saved.", "changes_saved": "Changes saved."},
}
# A word with an accent in the Spanish texts, typed without it; an English word typed in capitals with an accent.
WORD = {"es": "capacitacion", "en": "TRÁINED"}


def open_form(browser: Browser, base: str, email: str, lang: str, *, javascript: bool = True, width: int = 390) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": 844}, locale=lang, reduced_motion="reduce", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, email, lang)
    page.goto(f"{base}/{lang}/workspace/evidence/new/")
    return page


def visible_codes(page: Page) -> list[str]:
    return page.locator(f"{PICKER} [data-search]:visible input").evaluate_all("els => els.map(e => e.dataset.code)")


def pk(mx_plan, code: str) -> str:
    return str(Indicator.objects.get(plan=mx_plan, code=code).pk)


def in_page_order(page: Page, *codes: str) -> list[str]:
    order = page.locator(f"{PICKER} input[data-code]").evaluate_all("els => els.map(e => e.dataset.code)")
    return sorted(codes, key=order.index)


def expected_matches(mx_plan, lang: str, word: str) -> list[str]:
    texts = Indicator.objects.filter(plan=mx_plan).order_by("pillar__position", "-is_official", "position")
    return [i.code for i in texts if fold(word) in fold(getattr(i, f"text_{lang}"))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_typing_filters_by_words_ignoring_accents_and_capitals_and_by_code(
    live_server, mx_plan, cast, browser: Browser, lang
):
    page = open_form(browser, live_server.url, cast.member.email, lang)
    search = page.locator(f"{PICKER} input[type=search]")
    status = page.locator(f"{PICKER} [role=status]")
    everything = Indicator.objects.filter(plan=mx_plan).count()
    expect(search).to_be_visible()
    assert len(visible_codes(page)) == everything

    search.press_sequentially(WORD[lang])
    matches = expected_matches(mx_plan, lang, WORD[lang])
    assert len(matches) >= 2, "the catalogue has several indicators with that word"
    expect(status).to_contain_text(str(len(matches)))
    assert sorted(visible_codes(page)) == sorted(matches)
    shown_pillars = page.locator(f"{PICKER} [data-picker-pillar]:visible").count()
    pillars = Indicator.objects.filter(plan=mx_plan, code__in=matches).values("pillar").distinct().count()
    assert shown_pillars == pillars < 4, "pillars without a match are hidden"

    search.fill("i07")
    expect(status).not_to_be_empty()
    if lang == "en":
        expect(status).to_have_text("One indicator matches.")
    assert visible_codes(page) == ["I07"]
    search.fill("i7")  # the code without its zero
    expect(page.locator(f"{PICKER} [data-search]:visible")).to_have_count(1)
    assert visible_codes(page) == ["I07"]
    # Every word typed must match: a code and a word of its text.
    cs07 = Indicator.objects.get(plan=mx_plan, code="CS07")
    search.fill(f"cs07 {getattr(cs07, f'text_{lang}').split()[-1].upper()}")
    expect(page.locator(f"{PICKER} [data-search]:visible")).to_have_count(1)
    assert visible_codes(page) == ["CS07"]

    search.fill("zzqx")
    expect(status).to_contain_text("zzqx")
    if lang == "en":
        expect(status).to_have_text("No indicator matches “zzqx”.")
    assert visible_codes(page) == []
    expect(page.locator(f"{PICKER} [data-picker-pillar]:visible")).to_have_count(0)

    # Escape clears the search and brings every indicator back; Enter never submits the form.
    search.press("Escape")
    expect(search).to_have_value("")
    expect(status).to_have_text("")
    assert len(visible_codes(page)) == everything
    search.fill("I07")
    search.press("Enter")
    expect(search).to_have_value("I07")
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_two_indicators_chosen_through_the_search_are_saved_and_read_back_ticked(
    live_server, mx_plan, cast, browser: Browser, lang
):
    words = TEXT[lang]
    page = open_form(browser, live_server.url, cast.member.email, lang, width=1280)
    search = page.locator(f"{PICKER} input[type=search]")
    chosen = page.locator(f"{PICKER} [data-picker-chosen]")
    page.locator(f"{FORM} [name=title]").fill("Dos indicadores elegidos con la búsqueda")

    search.fill("I07")
    page.locator(f"{PICKER} input[data-code=I07]").check()
    search.fill("CS03")
    page.locator(f"{PICKER} input[data-code=CS03]").check()
    expect(chosen.locator(".code")).to_have_text(in_page_order(page, "I07", "CS03"))
    page.get_by_role("button", name=words["draft"]).click()
    expect(page.get_by_text(words["draft_saved"])).to_be_visible()

    item = Evidence.objects.get()
    assert sorted(item.indicators.values_list("code", flat=True)) == ["CS03", "I07"]
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/{item.uuid}/edit/")
    expect_values(page, {"indicators": [pk(mx_plan, "I07"), pk(mx_plan, "CS03")]}, FORM)
    expect(chosen.locator(".code")).to_have_text(in_page_order(page, "I07", "CS03"))
    with nothing_changes(item):
        page.get_by_role("button", name=words["draft"]).click()
        expect(page.get_by_text(words["changes_saved"])).to_be_visible()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_indicator_hidden_by_the_search_when_saving_stays_chosen(live_server, mx_plan, cast, browser: Browser, lang):
    words = TEXT[lang]
    page = open_form(browser, live_server.url, cast.member.email, lang)
    search = page.locator(f"{PICKER} input[type=search]")
    page.locator(f"{FORM} [name=title]").fill("Un indicador oculto por la búsqueda")
    page.locator(f"{PICKER} input[data-code=I07]").check()
    search.fill("CS05")
    expect(page.locator(f"{PICKER} input[data-code=I07]")).to_be_hidden()
    if lang == "en":
        expect(page.locator(f"{PICKER} [role=status]")).to_have_text(
            "One indicator matches. Chosen indicators hidden by the search stay chosen."
        )
    # The "Chosen:" line still names it while the box is out of sight.
    expect(page.locator(f"{PICKER} [data-picker-chosen] .code")).to_have_text(["I07"])
    page.locator(f"{PICKER} input[data-code=CS05]").check()
    page.get_by_role("button", name=words["draft"]).click()
    expect(page.get_by_text(words["draft_saved"])).to_be_visible()
    assert sorted(Evidence.objects.get().indicators.values_list("code", flat=True)) == ["CS05", "I07"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_the_plain_grouped_list_works_and_saves(live_server, mx_plan, cast, browser: Browser, lang):
    words = TEXT[lang]
    page = open_form(browser, live_server.url, cast.member.email, lang, javascript=False, width=360)
    picker = page.locator(PICKER)
    expect(picker.locator("input[type=search]")).to_be_hidden()
    expect(picker.locator("[data-picker-pillar] legend")).to_have_count(4)
    assert len(visible_codes(page)) == Indicator.objects.filter(plan=mx_plan).count()
    civil = Indicator.objects.filter(plan=mx_plan, is_official=False).count()
    expect(picker.locator(".picker-option-cs .flag-cs:visible")).to_have_count(civil)

    page.locator(f"{FORM} [name=title]").fill("Sin JavaScript")
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    page.get_by_label(f"I07 — {getattr(i07, f'text_{lang}')}").check()  # clicking the label's text ticks the box
    picker.locator("input[data-code=CS09]").check()
    page.get_by_role("button", name=words["draft"]).click()
    expect(page.get_by_text(words["draft_saved"])).to_be_visible()

    item = Evidence.objects.get()
    assert sorted(item.indicators.values_list("code", flat=True)) == ["CS09", "I07"]
    page.goto(f"{live_server.url}/{lang}/workspace/evidence/{item.uuid}/edit/")
    expect_values(page, {"indicators": [pk(mx_plan, "I07"), pk(mx_plan, "CS09")]}, FORM)
    # The "Chosen:" line could not follow the ticks without the script, so it is not shown; the ticked boxes are.
    expect(picker.locator("[data-picker-chosen-line]")).to_be_hidden()
    expect(picker.locator("input:checked")).to_have_count(2)
