"""Round trip of the e-mail preferences on the profile page (issue 17, item 1), in Spanish and in English.

A reviewer sees one choice per kind of notification her roles can receive; every one is changed, saved, read
back from the browser, and saved again untouched without any row or audit event moving. A hostile value sent
past the browser is refused with the typed choices kept.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.models import AuditEvent, NotificationPreference, User
from portal.notifications import KINDS
from tests.browser.roundtrip import (
    LANGUAGES,
    expect_values,
    fill_by_name,
    form_values,
    log_in,
    nothing_changes,
    round_trip,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "es": {"save": "Guardar", "saved": "Se guardó tu perfil."},
    "en": {"save": "Save", "saved": "Your profile was saved."},
}
CYCLE = {"immediate": "daily", "daily": "never", "never": "immediate"}


def reviewer_kinds() -> list[str]:
    return [code for code, kind in KINDS.items() if {"member", "reviewer"} & set(kind.audience)]


def preferences(user: User) -> list[tuple[str, str]]:
    return sorted(NotificationPreference.objects.filter(user=user).values_list("kind", "frequency"))


def save(page: Page, lang: str) -> None:
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(TEXT[lang]["saved"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_preference_reads_back_as_saved_and_an_untouched_save_changes_nothing(
    live_server, cast, page: Page, lang: str
):
    user = cast.reviewer
    User.objects.filter(pk=user.pk).update(preferred_language=lang, full_name="Rosa Ñúñez")
    base = live_server.url
    url = f"{base}/{lang}/accounts/profile/"
    kinds = reviewer_kinds()
    values = {"full_name": "Rosa Ñúñez", "preferred_language": lang}
    values.update({"notify_" + code.replace(".", "_"): CYCLE[KINDS[code].default] for code in kinds})
    log_in(page, base, user.email, lang)
    page.goto(url)
    assert set(form_values(page)) == set(values), "the test must fill every field of the profile"
    expect(page.locator("label[for=id_notify_evidence_decided]")).to_be_visible()

    round_trip(page, url, values, lambda p: save(p, lang))
    assert preferences(user) == sorted((code, CYCLE[KINDS[code].default]) for code in kinds)
    event = AuditEvent.objects.get(action="portal.user.profile_updated")
    assert set(event.changes) == {f"notifications:{code}" for code in kinds}

    with nothing_changes(user, exclude=("updated_at", "last_login")):
        before = preferences(user)
        save(page, lang)
        assert preferences(user) == before
    expect_values(page, values)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_forged_choice_is_refused_and_the_other_choices_stay_as_chosen(live_server, cast, page: Page, lang: str):
    user = cast.reviewer
    base = live_server.url
    log_in(page, base, user.email, lang)
    page.goto(f"{base}/{lang}/accounts/profile/")
    typed = {"notify_evidence_decided": "never", "notify_report_publication_requested": "daily"}
    fill_by_name(page, typed)
    # A value no option offers, as a script or a forged request would send it.
    page.locator("[name=notify_transparency_overdue]").evaluate(
        "el => { const o = document.createElement('option'); o.value = 'hourly'; o.text = 'x'; el.add(o); el.value = 'hourly'; }"
    )
    with nothing_changes(user, exclude=("updated_at", "last_login")):
        page.locator("main form[method=post] button[type=submit]").click()
        expect(page.locator("#error-summary a[href='#id_notify_transparency_overdue']")).to_be_visible()
    assert preferences(user) == []
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect_values(page, typed)
