"""Round trips of the conversation forms, in Spanish and in English: a message on an item's thread (member and
moderator), a moderator's internal note, and marking an item as a duplicate.

A message is not a form anyone reopens, so its round trip is: fill it, send it, and read it back exactly as typed
(accents, quotes, markup-like text, line breaks) where each side reads it, and check the row holds the same; a
refused one comes back with everything typed. The expected words come from the catalogue of each language
(``gettext`` under the page's language), so the tests read the pages as their readers do.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, Page, expect

from monitoring.models import DuplicateMark, EvidenceComment, EvidenceStatus, Indicator
from monitoring.services.evidence import submit_evidence
from tests.browser.roundtrip import LANGUAGES, expect_values, fill_by_name, log_in, second_person
from tests.factories import EvidenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGE = (
    '¿La cifra “oficial” de la SEDENA & el "Informe 2021" es <50 %>?\n'
    "Revisa l'Armada — año 2021.\n"
    "\n"
    "Gracias, María Ñúñez."
)
COMMENT_FORM = "form.conversation-form[action$='/comments/']"
NOTE_FORM = "form.conversation-form[action$='/notes/']"
DUPLICATE_FORM = "form.duplicate-form"


def words(lang: str, msgid: str, **params: object) -> str:
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def submitted(cast, plan, title: str, url: str = "https://www.gob.mx/semar/informe"):
    draft = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=plan,
        title=title,
        source_url=url,
        indicators=[Indicator.objects.get(plan=plan, code="I08")],
    )
    return submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)


def messages(page: Page):
    return page.locator("main .messages")


def last_comment(page: Page):
    return page.locator(".thread-entry.thread-comment .comment-body").last


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_message_reads_back_exactly_as_typed_on_both_sides_of_the_thread(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas")
    log_in(page, base, cast.member.email, lang)
    page.goto(f"{base}/{lang}/evidence/{evidence.uuid}/")
    typed = {"comment-text": MESSAGE, "comment-text_format": "plain", "comment-kind": "question"}
    fill_by_name(page, typed, COMMENT_FORM)
    expect_values(page, typed, COMMENT_FORM)
    page.locator(f"{COMMENT_FORM} button[type=submit]").click()

    expect(messages(page)).to_have_text(words(lang, "Message sent."))
    assert last_comment(page).inner_text() == MESSAGE
    comment = EvidenceComment.objects.get(evidence=evidence)
    assert (comment.text, comment.kind, comment.text_format, comment.internal) == (MESSAGE, "question", "plain", False)
    expect_values(page, {"comment-text": "", "comment-text_format": "plain", "comment-kind": "message"}, COMMENT_FORM)

    with second_person(browser, base, cast.moderator.email, lang) as moderator:
        moderator.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
        assert last_comment(moderator).inner_text() == MESSAGE
        expect(moderator.locator(".thread-entry.thread-comment").last).to_contain_text(words(lang, "Question"))
        reply = {
            "comment-text": "**Sí**: la fuente es [el informe](https://www.gob.mx/semar).",
            "comment-text_format": "markdown",
        }
        fill_by_name(moderator, reply, COMMENT_FORM)
        moderator.locator(f"{COMMENT_FORM} button[type=submit]").click()
        expect(messages(moderator)).to_have_text(words(lang, "Message sent."))
        expect(moderator).to_have_url(f"{base}/{lang}/moderation/{evidence.uuid}/#thread-heading")

    page.reload()
    body = last_comment(page)
    expect(body.locator("strong")).to_have_text("Sí")
    expect(body.get_by_role("link", name="el informe")).to_have_attribute("href", "https://www.gob.mx/semar")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_empty_message_is_refused_in_place_and_keeps_the_choices(live_server, mx_plan, cast, page: Page, lang: str):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas")
    log_in(page, base, cast.member.email, lang)
    page.goto(f"{base}/{lang}/evidence/{evidence.uuid}/")
    typed = {"comment-text": "   \n  ", "comment-text_format": "markdown", "comment-kind": "answer"}
    fill_by_name(page, typed, COMMENT_FORM)
    page.locator(f"{COMMENT_FORM} button[type=submit]").click()

    expect(page.locator(f"{COMMENT_FORM} .invalid-feedback").first).to_have_text(words(lang, "Write a message first."))
    expect_values(page, {"comment-text_format": "markdown", "comment-kind": "answer"}, COMMENT_FORM)
    assert not EvidenceComment.objects.exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_internal_note_reads_back_for_moderators_and_never_for_the_member(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas")
    note = "Nota interna: dudo de la cifra “<50 %>” & de l'Armada.\nVerificar con SEMAR."
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
    fill_by_name(page, {"note-text": note, "note-text_format": "plain"}, NOTE_FORM)
    page.locator(f"{NOTE_FORM} button[type=submit]").click()

    expect(messages(page)).to_have_text(words(lang, "Internal note saved. Only moderators can read it."))
    notes = page.locator(".internal-notes .comment-body")
    assert notes.last.inner_text() == note
    assert EvidenceComment.objects.get(evidence=evidence, internal=True).text == note
    with second_person(browser, base, cast.member.email, lang) as member:
        member.goto(f"{base}/{lang}/evidence/{evidence.uuid}/")
        expect(member.locator("main")).not_to_contain_text("Verificar con SEMAR")
        expect(member.locator(".internal-notes")).to_have_count(0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_marking_a_duplicate_reads_back_and_a_refused_mark_keeps_what_was_chosen(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang: str
):
    base = live_server.url
    original = submitted(cast, mx_plan, "SEMAR: mujeres desplegadas en 2021")
    from monitoring.services import moderation

    moderation.approve_evidence(evidence=original, actor=cast.moderator)
    repeat = submitted(cast, mx_plan, "SEMAR: mujeres desplegadas en 2021.", url="https://WWW.gob.mx/semar/informe/")
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{repeat.uuid}/")
    expect(page.locator("#duplicates-heading")).to_have_text(words(lang, "Possible duplicates"))

    fill_by_name(page, {"duplicate-original": str(original.uuid), "duplicate-reason": "  "}, DUPLICATE_FORM)
    page.locator(f"{DUPLICATE_FORM} button[type=submit]").click()
    expect(page.locator(f"{DUPLICATE_FORM} .invalid-feedback").first).to_have_text(
        words(lang, "Give a reason: the submitter will read it.")
    )
    expect_values(page, {"duplicate-original": str(original.uuid)}, DUPLICATE_FORM)
    assert not DuplicateMark.objects.exists()

    reason = "Ya está registrada: misma fuente “oficial” & mismo año.\nGracias."
    fill_by_name(page, {"duplicate-reason": reason}, DUPLICATE_FORM)
    expect_values(page, {"duplicate-original": str(original.uuid), "duplicate-reason": reason}, DUPLICATE_FORM)
    page.locator(f"{DUPLICATE_FORM} button[type=submit]").click()
    expect(messages(page)).to_have_text(
        words(lang, "Marked as a duplicate of “%(title)s”: the item is rejected.", title=original.title)
    )
    repeat.refresh_from_db()
    assert repeat.status == EvidenceStatus.REJECTED
    mark = DuplicateMark.objects.get(evidence=repeat)
    assert (mark.duplicate_of_id, mark.reason) == (original.pk, reason)

    with second_person(browser, base, cast.member.email, lang) as member:
        member.goto(f"{base}/{lang}/evidence/{repeat.uuid}/")
        expect(member.locator("main")).to_contain_text(
            words(lang, "A moderator marked this item as a duplicate of “%(title)s”.", title=original.title)
        )
        assert member.locator(".thread-entry.thread-rejected p.mb-0").last.inner_text() == reason


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_claim_is_seen_by_a_second_moderator(live_server, mx_plan, cast, page: Page, browser: Browser, lang: str):
    from tests.factories import UserFactory

    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas")
    colleague = UserFactory(email="otra.moderadora@observatorio.test", full_name="Otra Moderadora", is_staff=True)
    colleague.user_permissions.set(cast.moderator.user_permissions.all())
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
    page.locator("form[action$='/claim/'] button").click()
    expect(messages(page)).to_have_text(
        words(lang, "You claimed this item: the other moderators see that you are reviewing it.")
    )
    with second_person(browser, base, colleague.email, lang) as other:
        other.goto(f"{base}/{lang}/moderation/")
        expect(other.locator(".claim-note")).to_contain_text(str(cast.moderator))
        other.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
        expect(other.locator("#confirm-claim")).to_be_attached()
    page.locator("form[action$='/release/'] button").click()
    expect(messages(page)).to_have_text(words(lang, "You released your claim on this item."))
