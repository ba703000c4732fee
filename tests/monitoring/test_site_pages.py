"""The privacy notice, the contact and corrections page, their editor (moderators only), and "Cite this page"."""

from __future__ import annotations

import html
import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.models import Evidence, Indicator, SitePage
from monitoring.models.pages import BODY_MAX, TITLE_MAX
from portal.models import AuditEvent
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db

LANGS = ["es", "en"]


@pytest.fixture(autouse=True)
def shipped_pages(db):
    """The rows migration 0025 writes: a transactional test elsewhere in the session may have flushed them."""
    from django.apps import apps

    importlib.import_module("monitoring.migrations.0025_site_pages").create_pages(apps, None)


def _form(page: SitePage, **changes: str) -> dict[str, str]:
    data = {f: getattr(page, f) for f in ("title_es", "title_en", "body_es", "body_en")}
    data["version"] = str(page.version)
    data.update(changes)
    return data


def _audit_rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="monitoring.site_page.updated").order_by("pk"))


# ----------------------------------------------------------------------------------------------- public pages


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", ["privacy", "contact"])
def test_both_pages_answer_in_both_languages_with_their_lang_attributes(client, lang, slug):
    response = client.get(f"/{lang}/{slug}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert f'<html lang="{lang}">' in text
    assert f'<article class="site-page" lang="{lang}"' in text
    page = SitePage.objects.get(slug=slug)
    assert f">{html.escape(getattr(page, f'title_{lang}'))}</h1>" in text


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "es",
            [
                "Aviso de privacidad integral",
                "LFPDPPP",
                "Responsable",
                "derechos ARCO",
                "<strong>acceder</strong>",
                "<strong>rectificarlos</strong>",
                "<strong>cancelarlos</strong>",
                "<strong>oponerse</strong>",
                "no carga rastreadores ni recursos de terceros",
                "<strong>no su dirección IP</strong>",
                "30 días después de entregados",
                "<strong>consentimiento</strong>",
                "<strong>seudónimo</strong>",
                "<strong>confidencial</strong>",
                "proveedor de correo electrónico",
                "Cambios a este aviso",
                'href="mailto:privacidad@observatorio1325.example.org"',
            ],
        ),
        (
            "en",
            [
                "Privacy notice",
                "LFPDPPP",
                "Who is responsible",
                "ARCO rights",
                "<strong>access</strong>",
                "<strong>rectify</strong>",
                "<strong>cancel</strong>",
                "<strong>object</strong>",
                "loads no trackers or third-party resources",
                "<strong>not your IP address</strong>",
                "30 days after delivery",
                "<strong>pseudonym</strong>",
                "e-mail provider",
                "Changes to this notice",
                'href="mailto:privacidad@observatorio1325.example.org"',
            ],
        ),
    ],
)
def test_the_shipped_privacy_notice_says_what_the_law_asks_for(client, lang, phrases):
    text = client.get(f"/{lang}/privacy/").content.decode()
    for phrase in phrases:
        assert phrase in text, phrase
    # Sections are the page's h2s (the renderer's demoted headings come back up one step under the page's h1).
    assert text.count("<h1") == 1
    assert re.search(r"<h2>(Responsable|Who is responsible)</h2>", text)


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        ("es", ["Cómo reportar un error", "<strong>nueva versión</strong>", "<strong>nota de cambio</strong>",
                "nota de retiro", "<strong>5 días hábiles</strong>", "/es/privacy/"]),
        ("en", ["How to report an error", "<strong>new version</strong>", "<strong>change note</strong>",
                "withdrawal note", "<strong>5 working days</strong>", "/en/privacy/"]),
    ],
)  # fmt: skip
def test_the_shipped_contact_page_explains_what_happens_to_a_correction(client, lang, phrases):
    text = client.get(f"/{lang}/contact/").content.decode()
    for phrase in phrases:
        assert phrase in text, phrase


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_links_both_pages_from_its_footer(client, lang):
    text = client.get(f"/{lang}/about/").content.decode()
    footer = text[text.index('<footer class="site-footer">') :]
    assert f'href="/{lang}/privacy/"' in footer
    assert f'href="/{lang}/contact/"' in footer


def test_both_pages_are_in_the_sitemap_in_both_languages(client):
    text = client.get("/sitemap.xml").content.decode()
    for lang in LANGS:
        for slug in ("privacy", "contact"):
            assert f"/{lang}/{slug}/</loc>" in text


def test_the_pages_are_registered_with_the_public_page_cache():
    from portal import page_cache

    policies = page_cache.registered()
    assert "site_pages" in policies["monitoring:privacy"].scopes
    assert "site_pages" in policies["monitoring:contact"].scopes


def test_a_public_page_makes_the_same_few_queries_however_long_its_text(client, django_assert_max_num_queries):
    page = SitePage.objects.get(slug="privacy")
    with CaptureQueriesContext(connection) as short:
        client.get("/es/privacy/")
    SitePage.objects.filter(pk=page.pk).update(body_es=("## Sección\n\nTexto largo. " * 2000)[:BODY_MAX])
    with CaptureQueriesContext(connection) as long:
        client.get("/es/privacy/")
    assert len(short) == len(long) <= 2


def test_markdown_is_sanitised_a_script_shows_as_text(client, cast):
    page = SitePage.objects.get(slug="contact")
    SitePage.objects.filter(pk=page.pk).update(
        body_en='<script>alert("x")</script>\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>'
    )
    text = client.get("/en/contact/").content.decode()
    body = text[text.index('<div class="prose">') : text.index("</article>")]
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body
    assert "javascript:" not in body
    assert "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


# ----------------------------------------------------------------------------------------------- the editor


@pytest.mark.parametrize("who", ["outsider", "member", "reviewer"])
def test_people_who_are_not_moderators_get_a_404_from_the_editor(client, cast, who):
    client.force_login(getattr(cast, who))
    page = SitePage.objects.get(slug="privacy")
    assert client.get("/es/moderation/pages/privacy/").status_code == 404
    assert client.post("/es/moderation/pages/privacy/", _form(page, title_es="Hackeado")).status_code == 404
    assert SitePage.objects.get(slug="privacy").title_es == page.title_es
    assert not _audit_rows()


def test_anonymous_readers_are_sent_to_log_in_and_unknown_pages_are_404(client, cast):
    assert client.get("/es/moderation/pages/privacy/").status_code == 302
    client.force_login(cast.moderator)
    assert client.get("/es/moderation/pages/about/").status_code == 404


@pytest.mark.parametrize("lang", LANGS)
def test_a_moderator_edit_is_saved_shown_and_audited_with_before_and_after(client, cast, lang):
    client.force_login(cast.moderator)
    page = SitePage.objects.get(slug="privacy")
    assert client.get(f"/{lang}/moderation/pages/privacy/").status_code == 200
    response = client.post(
        f"/{lang}/moderation/pages/privacy/",
        _form(page, body_en="## Who\n\nUpdated text.\r\nSecond line.", title_en="Privacy"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/privacy/"
    saved = SitePage.objects.get(slug="privacy")
    assert (saved.version, saved.updated_by, saved.title_en) == (page.version + 1, cast.moderator, "Privacy")
    assert saved.body_en == "## Who\n\nUpdated text.\nSecond line."
    assert saved.updated_at > page.updated_at
    [event] = _audit_rows()
    assert event.actor == cast.moderator
    assert event.changes == {
        "title_en": [page.title_en, "Privacy"],
        "body_en": [page.body_en, "## Who\n\nUpdated text.\nSecond line."],
    }
    shown = client.get("/en/privacy/").content.decode()
    assert "<h2>Who</h2>" in shown and "Updated text." in shown
    assert 'href="/en/moderation/pages/privacy/"' in shown  # "Edit this page", for moderators only
    client.logout()
    assert 'href="/en/moderation/pages/privacy/"' not in client.get("/en/privacy/").content.decode()


def test_an_untouched_save_changes_nothing_and_writes_no_audit_row(client, cast):
    client.force_login(cast.moderator)
    page = SitePage.objects.get(slug="contact")
    # Browsers send CR LF line ends: the same text, not a change.
    data = _form(page, body_es=page.body_es.replace("\n", "\r\n"))
    response = client.post("/en/moderation/pages/contact/", data, follow=True)
    assert "Nothing changed" in response.content.decode()
    after = SitePage.objects.get(slug="contact")
    assert (after.version, after.updated_at, after.updated_by) == (page.version, page.updated_at, None)
    assert not _audit_rows()


def test_a_stale_version_is_refused_with_409_and_keeps_what_was_typed(client, cast):
    client.force_login(cast.moderator)
    page = SitePage.objects.get(slug="contact")
    typed = _form(page, body_en="My careful rewrite <of> the policy.")
    SitePage.objects.filter(pk=page.pk).update(version=page.version + 1, title_en="Someone else's title")
    response = client.post("/en/moderation/pages/contact/", typed)
    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else saved this page after you opened it" in text
    assert "My careful rewrite &lt;of&gt; the policy." in text  # what she typed, in the form
    assert f'name="version" value="{page.version + 1}"' in text  # saving again now overwrites knowingly
    assert SitePage.objects.get(pk=page.pk).body_en == page.body_en
    assert not _audit_rows()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title_es", "", "This field is required."),
        ("body_en", "   \r\n  ", "This field is required."),
        ("title_en", "x" * (TITLE_MAX + 1), f"at most {TITLE_MAX} characters"),
        ("body_es", "x" * (BODY_MAX + 1), f"at most {BODY_MAX:,} characters".replace(",", "")),
        ("body_en", "null \x00 byte", "Null characters are not allowed."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_typed_is_lost(client, cast, field, value, message):
    client.force_login(cast.moderator)
    page = SitePage.objects.get(slug="privacy")
    typed = _form(page, **{"title_en": "Kept title", field: value})
    response = client.post("/en/moderation/pages/privacy/", typed)
    assert response.status_code == 200
    text = html.unescape(response.content.decode())
    assert message in text.replace(",", "")
    assert "There is a problem with 1 field" in text
    if field != "title_en":
        assert 'value="Kept title"' in text
    assert SitePage.objects.get(pk=page.pk).version == page.version
    assert not _audit_rows()


def test_hostile_markup_in_a_title_is_escaped_everywhere(client, cast):
    client.force_login(cast.moderator)
    page = SitePage.objects.get(slug="privacy")
    client.post("/en/moderation/pages/privacy/", _form(page, title_en='<script>alert("t")</script>'))
    text = client.get("/en/privacy/").content.decode()
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;</h1>" in text


# ----------------------------------------------------------------------------------------------- cite this page


def _cite(text: str) -> str:
    start = text.index('<section class="side-box mt-4 cite-box"')
    return text[start : text.index("</section>", start)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_indicator_page_offers_a_citation_and_bibtex(client, mx_plan, lang):
    indicator = Indicator.objects.select_related("plan").get(plan=mx_plan, code="I13")
    block = html.unescape(_cite(client.get(f"/{lang}/plans/{mx_plan.slug}/indicators/I13/").content.decode()))
    permalink = f"http://testserver/{lang}/plans/{mx_plan.slug}/indicators/I13/"
    text = getattr(indicator, f"text_{lang}")
    assert f"Observatorio 1325. ({indicator.updated_at.year}). " in block
    assert f"I13: {text}" in block
    assert getattr(mx_plan, f"title_{lang}") in block
    assert f'href="{permalink}"' in block
    assert f'datetime="{indicator.updated_at.date().isoformat()}"' in block
    assert "<summary>BibTeX</summary>" in block
    assert f"@misc{{obs1325-{mx_plan.slug}-i13," in block
    assert f"url = {{{permalink}}}" in block
    assert f"language = {{{lang}}}" in block


def test_public_evidence_is_cited_with_its_organisation_and_title_marked_with_its_language(client, world):
    item: Evidence = world["public"]
    Evidence.objects.filter(pk=item.pk).update(title="Redes & 100% de avance_{x}", language="es")
    text = client.get(f"/en/evidence/{item.uuid}/").content.decode()
    block = _cite(text)
    assert f"{item.organisation.name}. ({item.updated_at.year}). " in block
    assert '<cite lang="es">Redes &amp; 100% de avance_{x}</cite> [Evidence].' in block
    assert f'href="http://testserver/en/evidence/{item.uuid}/"' in block
    assert f"author = {{{{{item.organisation.name}}}}}" in html.unescape(block)  # an organisation: kept whole
    # BibTeX: LaTeX's specials escaped, the title's braces neutralised.
    assert r"title = {Redes \&amp; 100\% de avance\_(x)}" in block


def test_a_confidential_item_shows_its_organisation_no_citation(client, world, cast):
    item = world["confidential"]
    client.force_login(cast.member)
    text = client.get(f"/en/evidence/{item.uuid}/").content.decode()
    block = _cite(text)
    assert "This item is not public, so it has no public citation." in block
    assert "BibTeX" not in block
    assert item.title not in block


def test_the_citation_reads_only_what_the_page_already_holds(world, mx_plan, django_assert_num_queries, rf):
    from django.template import Context, Template

    item = Evidence.objects.select_related("organisation").get(pk=world["public"].pk)
    indicator = Indicator.objects.select_related("plan").get(plan=mx_plan, code="I13")
    tag = Template("{% load citation %}{% citation as c %}{{ c.url }}|{{ c.author }}")
    request = rf.get("/en/")
    with django_assert_num_queries(0):
        on_evidence = tag.render(Context({"request": request, "evidence": item, "indicator": indicator}))
        on_indicator = tag.render(Context({"request": request, "evidence": [item], "indicator": indicator}))
    assert on_evidence.endswith(f"/evidence/{item.uuid}/|{item.organisation.name}")
    assert on_indicator.endswith("/indicators/I13/|Observatorio 1325")


def test_indicator_pages_with_many_items_cite_with_constant_queries(client, world, mx_plan):
    path = f"/es/plans/{mx_plan.slug}/indicators/I13/"
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for n in range(15):
        EvidenceFactory(
            organisation=world["public"].organisation,
            submitted_by=world["public"].submitted_by,
            plan=mx_plan,
            indicators=[world["i13"]],
            title=f"More {n}",
            status="approved",
            visibility="public",
        )
    from monitoring.models.evidence import PublicIndicatorEvidence

    PublicIndicatorEvidence.rebuild()
    with CaptureQueriesContext(connection) as many:
        text = client.get(path).content.decode()
    assert 'class="side-box mt-4 cite-box"' in text and "@misc{" in text
    assert len(few) == len(many)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pages_are_served_from_the_cache_until_a_moderator_edits_one(
    client, cast, settings, lang, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    path = f"/{lang}/contact/"
    assert client.get(path)["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        hit = client.get(path)
    assert hit["X-Page-Cache"] == "hit" and len(queries) == 0
    editor = type(client)()
    editor.force_login(cast.moderator)
    page = SitePage.objects.get(slug="contact")
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"/{lang}/moderation/pages/contact/", _form(page, **{f"body_{lang}": "New policy text."}))
    fresh = client.get(path)
    assert fresh["X-Page-Cache"] == "miss"
    assert "New policy text." in fresh.content.decode()
