"""Report Markdown: rendered as authors write it, raw HTML shown as text, sanitised last; and its plain text.

The renderer runs at publication only: published versions keep the HTML they were published with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from unittest import mock

import pytest
from django.utils import translation

from monitoring.markdown import plain_text, render_markdown
from monitoring.models import Assessment, Indicator, ReportVersion
from monitoring.services import reports as svc
from tests.html_safety import dangerous_markup
from tests.reporting import create_accepted_report

SLUG = "informe-markdown"


# --- What authors write renders as written -------------------------------------------------------------------


def test_a_blockquote_is_a_blockquote():
    assert render_markdown("> cita de la respuesta") == "<blockquote>\n<p>cita de la respuesta</p>\n</blockquote>"


def test_a_code_span_shows_less_than_ampersand_and_quotes_once_escaped():
    html = render_markdown("""Compare `a < b && c > "d" 'e'` here.""")
    assert "<code>a &lt; b &amp;&amp; c &gt; \"d\" 'e'</code>" in html
    assert "&amp;lt;" not in html and "&amp;amp;" not in html


def test_fenced_and_indented_code_blocks_keep_their_characters():
    fenced = render_markdown("```\nif a < b && c > \"d\":\n    x = '&amp;'\n```")
    assert fenced == "<pre><code>if a &lt; b &amp;&amp; c &gt; \"d\":\n    x = '&amp;amp;'\n</code></pre>"
    indented = render_markdown("Texto:\n\n    <b>x</b> & y")
    assert "<pre><code>&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>" in indented


def test_ampersands_and_entities_in_text_are_escaped_exactly_once():
    html = render_markdown("AT&T & Co. &copy; 2021")
    assert html == "<p>AT&amp;T &amp; Co. © 2021</p>"


def test_autolinks_to_the_web_and_to_mail_are_links():
    web = render_markdown("Fuente: <https://example.org/datos?a=1&b=2>")
    assert (
        '<a href="https://example.org/datos?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
        "https://example.org/datos?a=1&amp;b=2</a>"
    ) in web
    mail = render_markdown("Escríbenos: <contacto@example.org>")
    assert '<a href="mailto:contacto@example.org" rel="noopener noreferrer nofollow">contacto@example.org</a>' in mail


def test_links_keep_their_text_and_title():
    html = render_markdown('[el informe](https://example.org/i "Informe 2021")')
    assert html == (
        '<p><a href="https://example.org/i" title="Informe 2021" rel="noopener noreferrer nofollow">el informe</a></p>'
    )


def test_tables_render_with_alignment_and_escaped_cells():
    html = render_markdown("| Institución | Redes |\n|:--|--:|\n| INMUJERES | <84> & más |")
    assert "<table>" in html and "<thead>" in html and "<tbody>" in html
    assert '<th align="left">Institución</th>' in html or "<th>Institución</th>" in html
    assert "&lt;84&gt; &amp; más</td>" in html


def test_nested_lists_nest():
    html = render_markdown("1. uno\n    - dos\n        - tres\n2. cuatro")
    assert re.sub(r"\s", "", html) == "<ol><li>uno<ul><li>dos<ul><li>tres</li></ul></li></ul></li><li>cuatro</li></ol>"


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("# Uno", "h3"),
        ("Uno\n===", "h3"),
        ("## Dos", "h4"),
        ("Dos\n---", "h4"),
        ("### Tres", "h5"),
        ("#### Cuatro", "h5"),
        ("###### Seis", "h5"),
    ],
)
def test_headings_are_demoted_below_the_pages_own(source, tag):
    text = source.split("\n")[0].lstrip("# ")
    assert render_markdown(source) == f"<{tag}>{text}</{tag}>"


def test_heading_text_that_looks_like_a_heading_tag_is_not_rewritten():
    html = render_markdown("Escribe `<h1>` para un título.\n\n    <h2>x</h2>")
    assert "<code>&lt;h1&gt;</code>" in html and "&lt;h2&gt;x&lt;/h2&gt;" in html
    assert "<h1>" not in html and "<h3>" not in html


def test_footnotes_and_emphasis_still_work():
    html = render_markdown("**Sin** datos *públicos*[^1].\n\n[^1]: Respuesta 0001.")
    assert "<strong>Sin</strong>" in html and "<em>públicos</em>" in html and "Respuesta 0001." in html


# --- Raw HTML is text, never markup --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("<b>negritas</b>", "&lt;b&gt;negritas&lt;/b&gt;"),
        ("<div>\n*hola*\n</div>", "&lt;div&gt;"),
        ("<!-- comentario -->", "&lt;!-- comentario --&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<a href="https://example.org">x</a>', '&lt;a href="https://example.org"&gt;x&lt;/a&gt;'),
    ],
)
def test_raw_html_is_shown_as_the_text_the_author_typed(source, shown):
    html = render_markdown(source)
    assert shown in html
    assert "<b>" not in html and "<div>" not in html and "<script" not in html and "<!--" not in html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, name, value) for name, value in attrs]


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    "<style>body{display:none}</style>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](&#0000106;&#97;vascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "![pixel](https://tracker.example/p.png)",
    "![pixel](javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "texto\n{: onclick=alert(1) }",
    "# Título {: onmouseover=alert(1) }",
    '[x](https://example.org/"onmouseover="alert(1))',
    '<https://example.org/"onmouseover="alert(1)>',
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_input_renders_inert(payload):
    html = render_markdown(payload)
    assert dangerous_markup(html) == [], html
    parser = _Tags()
    parser.feed(html)
    assert set(parser.tags) <= {"p", "a", "h3", "pre", "code"}, html
    for tag, name, value in parser.attrs:
        assert (tag, name) in {("a", "href"), ("a", "rel"), ("a", "title")}, html
        if name == "href":
            assert value and value.startswith(("https://", "http://", "mailto:")), html


def test_only_web_and_mail_links_survive():
    assert 'href="http://example.org"' in render_markdown("[a](http://example.org)")
    assert "href" not in render_markdown("[a](ftp://example.org/x)")
    assert "href" not in render_markdown("[a](file:///etc/passwd)")


def test_empty_input_renders_nothing():
    assert render_markdown("") == "" and render_markdown(None) == ""
    assert plain_text("") == "" and plain_text(None) == ""


# --- Plain text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (
            "El plan **no tiene información pública** sobre *redes*.",
            "El plan no tiene información pública sobre redes.",
        ),
        (
            "Ver [el informe](https://example.org/i) y <https://example.org/d>.",
            "Ver el informe y https://example.org/d.",
        ),
        ("Escríbenos: <contacto@example.org>", "Escríbenos: contacto@example.org"),
        ("# Resumen\n\nPrimer párrafo.\n\nSegundo\npárrafo.", "Resumen Primer párrafo. Segundo párrafo."),
        ("- uno\n- dos\n    1. tres", "uno dos tres"),
        ("> cita\n\n`a < b & c`", "cita a < b & c"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "a b 1 2"),
        ("AT&T &amp; &copy; <b>x</b>", "AT&T & © <b>x</b>"),
        ("Con nota[^1] al pie.\n\n[^1]: La nota.", "Con nota al pie."),
        ("![gráfica](https://example.org/g.png) Texto", "Texto"),
        ("línea  con\t\tespacios\n\n\n   y saltos", "línea con espacios y saltos"),
        ("Uno<br>dos", "Uno<br>dos"),
    ],
)
def test_plain_text_keeps_the_words_and_drops_the_syntax(source, text):
    assert plain_text(source) == text


def test_plain_text_is_text_not_markup():
    # Whoever shows it escapes it: a template does, so it stays inert.
    assert plain_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


# --- On the pages, the downloads and the API -----------------------------------------------------------------

SUMMARY = (
    "El plan **no tiene información pública** sobre las [redes](https://example.org/redes).\n\n"
    '> Cita de INMUJERES: `<84>` & "más"\n\n'
    "Fuente: <https://example.org/datos>"
)
NARRATIVE = "## Hallazgo\n\nLa SSPC reporta `MUCPAZ < 300` & **no** publica datos. <b>sic</b>"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def report(cast, mx_plan):
    created = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe Markdown",
            "slug": SLUG,
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": SUMMARY,
            "methodology": "Cómo trabajamos: *revisión* de fuentes.",
            "recommendations": "1. Publicar.\n2. Medir.",
        },
    )
    a = Assessment.objects.get(report=created, indicator=Indicator.objects.get(plan=mx_plan, code="I13"))
    svc.save_assessment(
        assessment=a,
        actor=cast.reviewer,
        fields={"rating": "in_progress", "observed_value": 84, "narrative": NARRATIVE, "reply_text": "Respuesta *sic*"},
        cited=[],
        expected_version=a.version,
    )
    return created


def publish(report, cast, note: str = "") -> ReportVersion:
    svc.request_publication(report=report, actor=cast.reviewer, change_note=note)
    return svc.approve_publication(report=report, actor=cast.other_reviewer)


def _meta(html: str) -> dict[str, str]:
    found: dict[str, str] = {}

    class Meta(HTMLParser):
        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if tag == "meta" and "content" in values:
                found[values.get("property") or values.get("name") or ""] = values["content"] or ""

    Meta(convert_charrefs=True).feed(html)
    return found


def test_the_published_page_renders_the_markdown_as_written(report, cast, client):
    publish(report, cast)
    html = client.get(f"/en/reports/{SLUG}/").content.decode()
    assert "<strong>no tiene información pública</strong>" in html
    assert '<blockquote>\n<p>Cita de INMUJERES: <code>&lt;84&gt;</code> &amp; "más"</p>\n</blockquote>' in html
    assert (
        '<a href="https://example.org/datos" rel="noopener noreferrer nofollow">https://example.org/datos</a>' in html
    )
    assert "<h4>Hallazgo</h4>" in html and "<code>MUCPAZ &lt; 300</code>" in html and "&lt;b&gt;sic&lt;/b&gt;" in html
    assert "&amp;lt;" not in html and "&amp;gt;" not in html
    assert dangerous_markup(html) == []


def test_link_previews_and_the_meta_description_carry_no_markdown(report, cast, client):
    publish(report, cast)
    for url in (f"/en/reports/{SLUG}/", f"/es/reports/{SLUG}/v1/"):
        meta = _meta(client.get(url).content.decode())
        expected = (
            'El plan no tiene información pública sobre las redes. Cita de INMUJERES: <84> & "más" '
            "Fuente: https://example.org/datos"
        )
        for key in ("description", "og:description", "twitter:description"):
            assert meta[key] == expected, (url, key)
            assert "**" not in meta[key] and "](" not in meta[key] and "> Cita" not in meta[key]


def test_the_preview_has_the_same_plain_description(report, cast, client):
    client.force_login(cast.reviewer)
    meta = _meta(client.get(f"/en/workspace/reports/{report.uuid}/preview/").content.decode())
    assert meta["description"].startswith("El plan no tiene información pública sobre las redes.")
    assert meta["robots"] == "noindex"


def test_a_long_summary_is_cut_to_forty_words_of_text(report, cast, client):
    svc.update_report(
        report=report,
        actor=cast.reviewer,
        fields={"executive_summary": " ".join(f"**palabra{n}**" for n in range(60))},
        expected_version=report.version,
    )
    publish(report, cast)
    description = _meta(client.get(f"/en/reports/{SLUG}/").content.decode())["og:description"]
    assert description.startswith(" ".join(f"palabra{n}" for n in range(40)))
    assert description.rstrip("… ").endswith("palabra39")
    assert "*" not in description


def test_the_csv_keeps_the_markdown_source_where_documented_and_plain_text_elsewhere(report, cast, client):
    publish(report, cast)
    text = client.get(f"/en/reports/{SLUG}/v1/download.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    i13 = next(r for r in rows if r["indicator"] == "I13")
    assert i13["narrative_markdown"] == NARRATIVE  # docs/report-json.md: the Markdown source
    assert i13["reply_text"] == "Respuesta *sic*"  # plain text, as the reviewer typed it
    for row in rows:
        for column in ("indicator_text", "target", "rating_label", "evidence_titles"):
            assert "**" not in row[column] and "<" not in row[column], (column, row[column])


def test_the_json_and_the_api_carry_the_source_and_the_html_frozen_at_publication(report, cast, client):
    version = publish(report, cast)
    data = json.loads(client.get(f"/en/reports/{SLUG}/v1/download.json").content)
    assert data["report"]["executive_summary"] == SUMMARY
    assert data["report"]["executive_summary_html"] == render_markdown(SUMMARY)
    api = client.get(f"/api/v1/report-versions/{SLUG}-v1/").json()
    assert api["snapshot"] == version.snapshot == data


# --- Published versions keep their bytes ---------------------------------------------------------------------

LEGACY_HTML = '<p>&gt; cita &amp;lt;antigua&amp;gt; <strong data-legacy="1">tal cual</strong></p>'


def _freeze_legacy(version: ReportVersion) -> dict:
    """A version published by an older renderer: its stored HTML is not what today's renderer would produce."""
    snapshot = json.loads(json.dumps(version.snapshot))
    snapshot["report"]["executive_summary_html"] = LEGACY_HTML
    for pillar in snapshot["pillars"]:
        for a in pillar["assessments"]:
            if a["indicator"]["code"] == "I13":
                a["narrative_html"] = "<p>I13 &amp;amp; antigua</p>"
    ReportVersion.objects.filter(pk=version.pk).update(snapshot=snapshot)
    return snapshot


def test_a_version_published_before_the_renderer_changed_is_served_byte_identical(report, cast, client):
    version = publish(report, cast)
    snapshot = _freeze_legacy(version)
    assert render_markdown(SUMMARY) != LEGACY_HTML
    with (
        mock.patch("monitoring.markdown.render_markdown", side_effect=AssertionError("re-rendered")),
        mock.patch("monitoring.snapshots.render_markdown", side_effect=AssertionError("re-rendered")),
    ):
        for url in (f"/en/reports/{SLUG}/", f"/es/reports/{SLUG}/v1/"):
            html = client.get(url).content.decode()
            assert LEGACY_HTML in html, url
            assert "<p>I13 &amp;amp; antigua</p>" in html
        body = client.get(f"/en/reports/{SLUG}/v1/download.json").content
        assert json.loads(body) == snapshot
        assert json.loads(body)["report"]["executive_summary_html"] == LEGACY_HTML
        assert client.get(f"/api/v1/report-versions/{SLUG}-v1/").json()["snapshot"] == snapshot


def test_publishing_a_new_version_leaves_the_earlier_one_untouched(report, cast, client):
    first = publish(report, cast)
    _freeze_legacy(first)
    stored = ReportVersion.objects.get(pk=first.pk).snapshot
    report.refresh_from_db()
    svc.update_report(
        report=report, actor=cast.reviewer, fields={"methodology": "Nueva."}, expected_version=report.version
    )
    report.refresh_from_db()
    second = publish(report, cast, note="Nueva metodología.")
    assert ReportVersion.objects.get(pk=first.pk).snapshot == stored
    assert second.snapshot["report"]["executive_summary_html"] == render_markdown(SUMMARY)
    assert LEGACY_HTML in client.get(f"/en/reports/{SLUG}/v1/").content.decode()
