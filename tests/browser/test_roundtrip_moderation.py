"""Round trips through every decision a moderator makes, in Spanish and in English.

A decision is not a form anyone reopens, so its round trip is: fill the decision form with its reason, send
it, and read the decision and the reason back exactly as typed (accents, quotes, markup-like text, line
breaks) where people read them (the moderator's item page, the submitter's item page, the e-mail) and
where the record keeps them (the moderation thread and the audit trail). Bulk approval from the queue too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from monitoring.models import EntryKind, Evidence, EvidenceStatus, Indicator, ModerationEntry
from monitoring.services import moderation
from monitoring.services.evidence import submit_evidence
from portal.models import AuditEvent, OutgoingMail, User
from tests.browser.roundtrip import LANGUAGES, expect_values, form_values, log_in, second_person
from tests.factories import EvidenceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Accents, typographic and straight quotes, an apostrophe, markup-like text, an ampersand, a blank line.
REASON = (
    'Falta la fuente “oficial” de la SEDENA & el "Informe 2021".\n'
    "Revisa el año: 2021, no 2020 — y la cifra <50 %> de l'Armada.\n"
    "\n"
    "Gracias, María Ñúñez."
)


@dataclass(frozen=True)
class Choice:
    decision: str  # the button's value
    status: str
    kind: str
    action: str
    button: dict[str, str]
    status_label: dict[str, str]
    trail_label: dict[str, str]


CHOICES = {
    "approve": Choice(
        "approve",
        EvidenceStatus.APPROVED,
        EntryKind.APPROVED,
        "monitoring.evidence.approved",
        {"es": "Aprobar", "en": "Approve"},
        {"es": "Aprobada", "en": "Approved"},
        {"es": "aprobó", "en": "approved"},
    ),
    "request_changes": Choice(
        "request_changes",
        EvidenceStatus.CHANGES_REQUESTED,
        EntryKind.CHANGES_REQUESTED,
        "monitoring.evidence.changes_requested",
        {"es": "Pedir cambios", "en": "Ask for changes"},
        {"es": "Cambios solicitados", "en": "Changes requested"},
        {"es": "pidió cambios", "en": "asked for changes"},
    ),
    "reject": Choice(
        "reject",
        EvidenceStatus.REJECTED,
        EntryKind.REJECTED,
        "monitoring.evidence.rejected",
        {"es": "Rechazar", "en": "Reject"},
        {"es": "Rechazada", "en": "Rejected"},
        {"es": "rechazó", "en": "rejected"},
    ),
    "withdraw": Choice(
        "withdraw",
        EvidenceStatus.WITHDRAWN,
        EntryKind.WITHDRAWN,
        "monitoring.evidence.withdrawn",
        {"es": "Retirar", "en": "Withdraw"},
        {"es": "Retirada", "en": "Withdrawn"},
        {"es": "retiró", "en": "withdrew"},
    ),
}

TEXT = {
    "es": {
        "decided": "Decisión registrada: {status}.",
        "reason": "Motivo",
        "then_next": "Después abrir el siguiente registro de la cola",
        "needs_reason": "Indica un motivo: quien envió la evidencia lo leerá.",
        "already_decided": "Este registro ya tiene decisión: aprobada por {who}",
        "not_recorded": "Tu decisión no se registró.",
        "select": "Seleccionar “{title}”",
        "approve_selected": "Aprobar los registros seleccionados",
        "approved_count": "{n} registro(s) aprobado(s).",
        "tick_first": "Primero marca los registros que quieres aprobar.",
        "reason_given": "Motivo:",
    },
    "en": {
        "decided": "Decision recorded: {status}.",
        "reason": "Reason",
        "then_next": "Then open the next item in the queue",
        "needs_reason": "Give a reason: the submitter will read it.",
        "already_decided": "This item was already decided: approved by {who}",
        "not_recorded": "Your decision was not recorded.",
        "select": "Select “{title}”",
        "approve_selected": "Approve the selected items",
        "approved_count": "{n} item(s) approved.",
        "tick_first": "Tick the items to approve first.",
        "reason_given": "Reason given:",
    },
}

DECISION_FORM = "form:has(textarea[name=reason])"


def submitted(cast, plan, title: str, lang: str) -> Evidence:
    """An item the member of Intersecta logged and sent to the moderators through the real service."""
    User.objects.filter(pk=cast.member.pk).update(preferred_language=lang)
    cast.member.refresh_from_db()
    draft = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        plan=plan,
        title=title,
        indicators=[Indicator.objects.get(plan=plan, code="I08")],
        # The member's reliability assessment, which approval confirms (tests/browser/test_roundtrip_reliability.py).
        source_reliability="usually_reliable",
        information_credibility="probably_true",
    )
    return submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version, note="Primera cifra.")


def messages(page: Page) -> Locator:
    return page.locator("main .messages")


def entry_text(page: Page, kind: str) -> Locator:
    """The text of the last entry of this kind in the moderation thread."""
    return page.locator(f".thread-entry.thread-{kind}").last.locator("p.mb-0")


@pytest.mark.parametrize("choice", CHOICES.values(), ids=CHOICES.keys())
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_decision_reads_back_with_its_reason_exactly_as_typed_for_moderator_and_submitter(
    live_server, mx_plan, cast, page: Page, browser: Browser, lang: str, choice: Choice
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas", lang)
    if choice.decision == "withdraw":
        evidence = moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    before, version = evidence.status, evidence.version
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    OutgoingMail.objects.all().delete()

    log_in(page, base, cast.moderator.email, lang)
    item_url = f"{base}/{lang}/moderation/{evidence.uuid}/"
    page.goto(item_url)
    page.get_by_label(re.compile(f"^{TEXT[lang]['reason']}")).fill(REASON)
    expect_values(page, {"reason": REASON}, DECISION_FORM)
    page.get_by_role("button", name=choice.button[lang]).click()
    expect(messages(page)).to_have_text(TEXT[lang]["decided"].format(status=choice.status_label[lang]))
    expect(page).to_have_url(f"{base}/{lang}/moderation/")

    evidence.refresh_from_db()
    assert (evidence.status, evidence.version) == (choice.status, version + 1)
    entry = ModerationEntry.objects.filter(evidence=evidence).latest("created_at", "pk")
    assert (entry.kind, entry.author, entry.text) == (choice.kind, cast.moderator, REASON)
    events = list(AuditEvent.objects.filter(pk__gt=last_audit))
    assert [(e.action, e.actor, e.reason, e.changes) for e in events] == [
        (choice.action, cast.moderator, REASON, {"status": [before, choice.status]})
    ]
    mail = OutgoingMail.objects.get(to=cast.member.email)
    assert f"/evidence/{evidence.uuid}/" in mail.body, "the e-mail links to the item"
    assert REASON not in mail.body, "the reason is read on the item page, never carried by e-mail"

    page.goto(item_url)
    assert entry_text(page, choice.kind).inner_text() == REASON
    trail = page.locator("section[aria-labelledby=history-heading] li").last
    expect(trail).to_contain_text(choice.trail_label[lang])
    expect(trail).not_to_contain_text("monitoring.")

    with second_person(browser, base, cast.member.email, lang) as member:
        member.goto(f"{base}/{lang}/evidence/{evidence.uuid}/")
        assert entry_text(member, choice.kind).inner_text() == REASON
        history = member.locator("ol.history li").last
        expect(history).to_contain_text(choice.trail_label[lang])
        expect(history).not_to_contain_text("monitoring.")
        assert history.inner_text().endswith(f" — {REASON}"), "the history shows the reason, line breaks included"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_rejecting_without_a_reason_is_refused_in_place_and_keeps_the_other_choice(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas", lang)
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
    page.get_by_label(re.compile(f"^{TEXT[lang]['reason']}")).fill("  \n ")  # only blanks
    page.get_by_label(TEXT[lang]["then_next"]).uncheck()
    typed = {"reason": "  \n ", "then": []}
    page.get_by_role("button", name=CHOICES["reject"].button[lang]).click()

    expect(messages(page)).to_have_text(TEXT[lang]["needs_reason"])
    expect_values(page, typed, DECISION_FORM)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.SUBMITTED
    assert not ModerationEntry.objects.filter(evidence=evidence, kind=EntryKind.REJECTED).exists()
    assert not AuditEvent.objects.filter(pk__gt=last_audit).exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_decision_that_lost_the_race_keeps_the_reason_typed_and_says_who_decided_first(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas", lang)
    colleague = UserFactory(email="otra.moderadora@observatorio.test", full_name="Otra Moderadora", is_staff=True)
    colleague.user_permissions.set(cast.moderator.user_permissions.all())
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
    page.get_by_label(re.compile(f"^{TEXT[lang]['reason']}")).fill(REASON)
    page.get_by_label(TEXT[lang]["then_next"]).uncheck()
    moderation.approve_evidence(evidence=evidence, actor=colleague)  # while the page was open
    page.get_by_role("button", name=CHOICES["reject"].button[lang]).click()

    expect(messages(page)).to_contain_text(TEXT[lang]["already_decided"].format(who="Otra Moderadora"))
    expect(messages(page)).to_contain_text(TEXT[lang]["not_recorded"])
    expect_values(page, {"reason": REASON, "then": []}, DECISION_FORM)
    evidence.refresh_from_db()
    assert evidence.status == EvidenceStatus.APPROVED
    assert not ModerationEntry.objects.filter(evidence=evidence, kind=EntryKind.REJECTED).exists()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_reason_as_long_as_the_box_allows_is_recorded_whole_line_breaks_included(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas", lang)
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/{evidence.uuid}/")
    line = "Revisa la cifra de la SEDENA: año, fuente y unidad."  # 51 characters
    longest = "\n".join([line] * 98)  # 51 × 98 + 97 line breaks = 5,095: more than the box takes
    page.get_by_label(re.compile(f"^{TEXT[lang]['reason']}")).fill(longest)
    held = form_values(page, DECISION_FORM)["reason"]
    assert len(held) == moderation.MAX_REASON and held.count("\n") > 90  # the box kept 5,000, line breaks count 1
    page.get_by_role("button", name=CHOICES["request_changes"].button[lang]).click()

    expect(messages(page)).to_have_text(
        TEXT[lang]["decided"].format(status=CHOICES["request_changes"].status_label[lang])
    )
    entry = ModerationEntry.objects.get(evidence=evidence, kind=EntryKind.CHANGES_REQUESTED)
    assert entry.text == held.strip()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bulk_approval_approves_only_the_ticked_items_and_keeps_the_queue_filter(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    first = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres “desplegadas”", lang)
    second = submitted(cast, mx_plan, "SEDENA: 12 % de mujeres & oficiales", lang)
    kept = submitted(cast, mx_plan, "SSPC: total de MUCPAZ", lang)
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/?organisation=intersecta&indicator=I08")
    filters = {"organisation": "intersecta", "indicator": "I08"}
    expect_values(page, filters, "main form[method=get]")
    for item in (first, second):
        page.get_by_label(TEXT[lang]["select"].format(title=item.title)).check()
    page.get_by_role("button", name=TEXT[lang]["approve_selected"]).click()

    expect(messages(page)).to_have_text(TEXT[lang]["approved_count"].format(n=2))
    expect_values(page, filters, "main form[method=get]")
    expect(page.get_by_role("link", name=kept.title)).to_be_visible()
    expect(page.get_by_role("link", name=first.title)).to_have_count(0)
    statuses = dict(Evidence.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: EvidenceStatus.APPROVED,
        second.pk: EvidenceStatus.APPROVED,
        kept.pk: EvidenceStatus.SUBMITTED,
    }
    events = AuditEvent.objects.filter(pk__gt=last_audit)
    assert sorted((e.object_id, e.action, e.actor_id, e.reason) for e in events) == sorted(
        (str(item.pk), "monitoring.evidence.approved", cast.moderator.pk, "") for item in (first, second)
    )
    assert ModerationEntry.objects.filter(kind=EntryKind.APPROVED, author=cast.moderator).count() == 2


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bulk_approval_with_nothing_ticked_says_so_and_keeps_the_queue_filter(
    live_server, mx_plan, cast, page: Page, lang: str
):
    base = live_server.url
    evidence = submitted(cast, mx_plan, "SEMAR: 50 % de mujeres desplegadas", lang)
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    log_in(page, base, cast.moderator.email, lang)
    page.goto(f"{base}/{lang}/moderation/?organisation=intersecta")
    page.get_by_role("button", name=TEXT[lang]["approve_selected"]).click()

    expect(messages(page)).to_have_text(TEXT[lang]["tick_first"])
    expect_values(page, {"organisation": "intersecta"}, "main form[method=get]")
    expect(page.get_by_label(TEXT[lang]["select"].format(title=evidence.title))).not_to_be_checked()
    assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.SUBMITTED
    assert not AuditEvent.objects.filter(pk__gt=last_audit).exists()
