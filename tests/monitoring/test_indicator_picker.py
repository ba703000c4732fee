"""The indicator picker: indicators grouped by pillar, civil-society ones marked in words, a plain list of
checkboxes that works without JavaScript and keeps what was chosen when a submission fails."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape

from monitoring.forms.evidence import EvidenceForm
from monitoring.forms.fields import IndicatorOption, fold, indicator_choices
from monitoring.models import Evidence, Indicator, Plan, TransparencyRequest
from monitoring.services.catalogue_import import import_catalogue
from portal.models import Organisation
from tests.catalogue_factory import make_catalogue

pytestmark = pytest.mark.django_db

NEW = "/en/workspace/evidence/new/"
OPTION = re.compile(r'<div class="form-check picker-option[^"]*" data-search="[^"]*">(.*?)</div>', re.S)


def ids(mx_plan, *codes: str) -> list[str]:
    return [str(Indicator.objects.get(plan=mx_plan, code=code).pk) for code in codes]


def options(html: str) -> dict[str, str]:
    """Each rendered indicator's code and its markup (checkbox and label)."""
    found = {}
    for markup in OPTION.findall(html):
        code = re.search(r'data-code="([^"]+)"', markup)
        assert code, markup
        found[code.group(1)] = markup
    return found


def picker(html: str) -> str:
    start = html.index('<div class="indicator-picker"')
    return html[start : html.index("</script>", start)]


@pytest.fixture
def member_client(client, cast, mx_plan):
    client.force_login(cast.member)
    return client


def test_choices_are_the_plans_active_indicators_once_each_grouped_by_pillar_in_order(mx_plan):
    retired = Indicator.objects.get(plan=mx_plan, code="I05")
    retired.retired_at = timezone.now()
    retired.save()

    groups = indicator_choices(mx_plan)

    assert [str(pillar).split(" · ")[0] for pillar, _ in groups] == ["P1", "P2", "P3", "P4"]
    by_pk = {ind.pk: ind for ind in Indicator.objects.filter(plan=mx_plan).select_related("pillar")}
    chosen = [int(value) for _, items in groups for value, _ in items]
    assert sorted(chosen) == sorted(pk for pk, ind in by_pk.items() if ind.code != "I05")
    assert len(chosen) == len(set(chosen)) == 32
    for pillar, items in groups:
        assert {by_pk[int(value)].pillar.code for value, _ in items} == {pillar.code}
        official = [label.is_official for _, label in items]
        assert official == sorted(official, reverse=True), f"{pillar}: civil-society indicators come last"


def test_each_choice_reads_code_dash_text_in_the_language_of_the_page(mx_plan):
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    for lang, text in (("es", i07.text_es), ("en", i07.text_en)):
        with translation.override(lang):
            labels = {label.code: label for _, items in indicator_choices(mx_plan) for _, label in items}
        assert str(labels["I07"]) == f"I07 — {text}"
    assert sum(not label.is_official for label in labels.values()) == 10


def test_the_words_searched_are_folded_like_the_script_folds_what_one_types():
    option = IndicatorOption(code="I07", text="Mujeres en Misión de PAZ", is_official=True)
    assert fold("Misión ÁÉÍÓÚ Ñandú") == "mision aeiou nandu"
    assert option.search.split() == ["i07", "i7", "mujeres", "en", "mision", "de", "paz"]


def test_building_the_choices_takes_one_query_whatever_the_size_of_the_plan():
    counts = []
    for slug, size in (("xx-small", 1), ("xx-large", 12)):
        import_catalogue(data=make_catalogue(slug=slug, pillars=3, indicators_per_line=size, civil_society=size))
        plan = Plan.objects.get(slug=slug)
        with CaptureQueriesContext(connection) as queries:
            groups = indicator_choices(plan)
            form = EvidenceForm(plan=plan, organisations=Organisation.objects.all()[:1], evidence=None)
            str(form["indicators"])
        counts.append(len(queries))
        assert sum(len(items) for _, items in groups) == 4 * size
    assert counts[0] == counts[1]


def test_the_form_shows_a_plain_grouped_list_with_civil_society_indicators_marked_in_words(member_client, mx_plan):
    html = member_client.get(NEW).content.decode()
    widget = picker(html)
    shown = options(widget)

    assert set(shown) == set(Indicator.objects.filter(plan=mx_plan).values_list("code", flat=True))
    for ind in Indicator.objects.filter(plan=mx_plan):
        markup = shown[ind.code]
        assert f'<span class="code">{ind.code}</span> — {escape(ind.text_en)}' in markup
        assert ("Civil-society indicator" in markup) is (not ind.is_official), ind.code
    legends = re.findall(r'<legend class="picker-pillar-name">(.*?)</legend>', widget)
    assert [legend.split(" · ")[0] for legend in legends] == ["P1", "P2", "P3", "P4"]
    assert "None chosen yet." in widget
    # Without JavaScript nothing but the boxes shows: the search box waits for the script, which loads deferred
    # from our origin (the CSP allows no inline script).
    # The "Chosen:" line, which only the script keeps current, waits for it too.
    assert re.search(r'<div class="picker-search" data-picker-search hidden>', widget)
    assert re.search(r'<p class="picker-chosen" data-picker-chosen-line hidden>', widget)
    assert html.count("js/indicator-picker.js") == 1
    assert re.search(r'<script src="/static/js/indicator-picker\.js" defer></script>', html)
    assert 'name="indicators"' not in widget.split('class="picker-list"')[0], "the search box posts nothing"


def test_the_page_in_spanish_shows_spanish_texts_and_the_same_boxes(client, cast, mx_plan):
    client.force_login(cast.member)
    widget = picker(client.get("/es/workspace/evidence/new/").content.decode())
    i07 = Indicator.objects.get(plan=mx_plan, code="I07")
    assert f'<span class="code">I07</span> — {escape(i07.text_es)}' in options(widget)["I07"]
    assert len(options(widget)) == Indicator.objects.filter(plan=mx_plan).count()


def test_chosen_indicators_stay_ticked_and_listed_after_a_failed_submission(member_client, mx_plan):
    response = member_client.post(
        NEW, {"title": "Dos indicadores", "indicators": ids(mx_plan, "I07", "CS03"), "action": "submit"}
    )

    assert response.status_code == 200 and not Evidence.objects.exists()
    widget = picker(response.content.decode())
    ticked = {code for code, markup in options(widget).items() if " checked" in markup}
    assert ticked == {"I07", "CS03"}
    chosen_line = re.search(r"<span data-picker-chosen>(.*?)</span></p>", widget, re.S)
    assert chosen_line and sorted(re.findall(r'<span class="code">(\w+)</span>', chosen_line.group(1))) == [
        "CS03",
        "I07",
    ]


def test_a_draft_saves_the_ticked_indicators_and_the_edit_form_shows_them_ticked(member_client, mx_plan):
    response = member_client.post(
        NEW, {"title": "Borrador", "indicators": ids(mx_plan, "I02", "CS05"), "action": "draft"}
    )
    item = Evidence.objects.get()
    assert response.status_code == 302
    assert sorted(item.indicators.values_list("code", flat=True)) == ["CS05", "I02"]

    widget = picker(member_client.get(f"/en/workspace/evidence/{item.uuid}/edit/").content.decode())
    assert {code for code, markup in options(widget).items() if " checked" in markup} == {"I02", "CS05"}


@pytest.mark.parametrize("value", ["999999", "I07", "<script>alert(1)</script>", "1 OR 1=1", ""])
def test_a_forged_indicator_value_is_refused_with_a_message_and_nothing_typed_is_lost(member_client, mx_plan, value):
    response = member_client.post(
        NEW, {"title": "Título conservado", "indicators": [*ids(mx_plan, "I07"), value], "action": "draft"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Evidence.objects.exists()
    assert "Select a valid choice." in page and "<script>alert(1)</script>" not in page
    assert 'value="Título conservado"' in page
    assert {code for code, markup in options(picker(page)).items() if " checked" in markup} == {"I07"}


def test_indicator_texts_are_escaped_in_the_picker(member_client, mx_plan):
    Indicator.objects.filter(plan=mx_plan, code="I07").update(text_en='<img src=x onerror="alert(1)"> & more')
    widget = picker(member_client.get(NEW).content.decode())
    assert "<img src=x" not in widget
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more" in options(widget)["I07"]


def test_the_transparency_filing_form_uses_the_picker_and_saves_the_chosen_indicators(client, cast, mx_plan):
    client.force_login(cast.member)
    page = client.get("/en/workspace/requests/new/").content.decode()
    assert len(options(picker(page))) == Indicator.objects.filter(plan=mx_plan).count()

    from monitoring.models import Institution

    sre = Institution.objects.get(code="SRE")
    response = client.post(
        "/en/workspace/requests/new/",
        {
            "question": "¿Cuántas mujeres?",
            "filed_on": "2025-03-03",
            "institutions": [sre.pk],
            f"folio_{sre.pk}": "330001125000011",
            "indicators": ids(mx_plan, "I07", "CS03"),
        },
    )
    assert response.status_code == 302
    request = TransparencyRequest.objects.get()
    assert sorted(request.indicators.values_list("code", flat=True)) == ["CS03", "I07"]
