"""The public page cache (portal/page_cache.py, monitoring/public_state.py), seen from outside: which requests get a
stored page, at what cost, with which headers, and which pages change — at once — when public state changes."""

from __future__ import annotations

import datetime as dt
import gzip
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import search
from monitoring.models import EvidenceStatus, Institution
from monitoring.public_state import register_pages
from monitoring.services import moderation, transparency
from monitoring.services import reports as report_service
from portal import page_cache
from tests.factories import EvidenceFactory, TransparencyRequestFactory
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db

PLAN = "mx-pna-1325-2021"


@pytest.fixture(autouse=True)
def cache_on(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def site(cast, mx_plan, django_capture_on_commit_callbacks):
    """A published report, public evidence on I13 and a public transparency request: every public page has data."""
    i13 = mx_plan.indicator_set.get(code="I13")
    i5 = mx_plan.indicator_set.get(code="I05")
    shown = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        status=EvidenceStatus.APPROVED,
        plan=mx_plan,
        title="Mujeres desplegadas en operaciones de paz",
        indicators=[i13],
    )
    report = create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe sombra 2021",
            "slug": "informe-sombra",
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_service.request_publication(report=report, actor=cast.reviewer, change_note="")
        report_service.approve_publication(report=report, actor=cast.other_reviewer)
    sre = Institution.objects.get(code="SRE")
    request = TransparencyRequestFactory(
        organisation=cast.intersecta, institution=sre, is_public=True, indicators=[i13]
    )
    return {"i13": i13, "i5": i5, "shown": shown, "report": report, "sre": sre, "request": request}


def pages(site) -> dict[str, str]:
    return {
        "home": "/{lang}/",
        "about": "/{lang}/about/",
        "plan list": "/{lang}/plans/",
        "plan": f"/{{lang}}/plans/{PLAN}/",
        "indicator I13": f"/{{lang}}/plans/{PLAN}/indicators/I13/",
        "indicator I05": f"/{{lang}}/plans/{PLAN}/indicators/I05/",
        "institutions": "/{lang}/institutions/",
        "institution": "/{lang}/institutions/SRE/",
        "reports": "/{lang}/reports/",
        "report latest": "/{lang}/reports/informe-sombra/",
        "report version": "/{lang}/reports/informe-sombra/v1/",
        "evidence list": "/{lang}/evidence/",
        "search": "/{lang}/evidence/?q=mujeres",
        "evidence item": f"/{{lang}}/evidence/{site['shown'].uuid}/",
        "open data": "/{lang}/data/",
        "transparency": "/{lang}/transparency/",
        "transparency request": f"/{{lang}}/transparency/requests/{site['request'].uuid}/",
        "organisations": "/{lang}/organisations/",
        "organisation": "/{lang}/organisations/intersecta/",
    }


def outcome(response) -> str:
    return response.get(page_cache.HEADER, "")


def test_every_public_page_is_registered():
    # A new public page must say which public state it shows, or it is never cached (and this list fails).
    assert set(page_cache.registered()) == {
        "home",
        "portal:about",
        "monitoring:plan_list",
        "monitoring:feed_reports",
        "monitoring:privacy",
        "monitoring:contact",
        "monitoring:feed_evidence",
        "monitoring:feed_indicator",
        "monitoring:feed_institution",
        "monitoring:plan_detail",
        "monitoring:indicator_detail",
        "monitoring:institution_list",
        "monitoring:institution_detail",
        "monitoring:report_list",
        "monitoring:report_latest",
        "monitoring:report_version",
        "monitoring:evidence_public_list",
        "monitoring:evidence_detail",
        "monitoring:data",
        "monitoring:transparency_public",
        "monitoring:transparency_public_detail",
        "monitoring:organisation_public_list",
        "monitoring:organisation_public",
        "monitoring:report_compare",
    }


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_public_page_is_a_hit_the_second_time_with_no_query_and_the_same_bytes(site, client, lang):
    for name, template in pages(site).items():
        url = template.format(lang=lang)
        first = client.get(url)
        assert first.status_code == 200 and outcome(first) == "miss", (name, first.status_code, outcome(first))
        with CaptureQueriesContext(connection) as queries:
            second = client.get(url)
        assert outcome(second) == "hit", name
        assert len(queries) == 0, (name, [q["sql"] for q in queries])
        assert second.content == first.content, name
        assert second["Content-Language"] == lang
        assert second["ETag"] == first["ETag"]
        assert "Content-Security-Policy" in second, name
        vary = {v.strip() for v in second["Vary"].split(",")}
        assert {"Accept-Encoding", "Cookie"} <= vary, name


def test_compressed_and_plain_readers_get_the_same_page(site, client):
    plain = client.get("/es/evidence/")
    packed = client.get("/es/evidence/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    again = client.get("/es/evidence/", HTTP_ACCEPT_ENCODING="gzip")
    assert outcome(again) == "hit" and again.content == packed.content


def test_a_revalidation_is_a_304_from_the_cache(site, client):
    first = client.get("/en/plans/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/en/plans/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and len(queries) == 0
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == "public, no-cache"


def test_head_gets_the_headers_without_the_body(site, client):
    get = client.get("/en/institutions/")
    head = client.head("/en/institutions/")
    assert outcome(head) == "hit" and head.content == b"" and head["Content-Length"] == str(len(get.content))


def test_parameters_the_page_does_not_read_never_split_or_reach_the_cache(site, client):
    first = client.get("/es/evidence/?q=mujeres&utm_source=boletin")
    assert outcome(first) == "miss"
    assert "boletin" not in first.content.decode()
    assert outcome(client.get("/es/evidence/?q=mujeres")) == "hit"
    assert outcome(client.get("/es/evidence/?fbclid=1&q=mujeres")) == "hit"
    assert outcome(client.get("/es/evidence/?q=paz")) == "miss"  # a parameter it reads is part of the key


def test_search_results_live_shorter_than_pages(site, client, settings):
    settings.PAGE_CACHE_SEARCH_SECONDS = 60
    stored = {}
    real = page_cache.shared_cache.set_many

    def spy(values, timeout):
        stored.update(dict.fromkeys(values, timeout))
        real(values, timeout)

    with mock.patch.object(page_cache.shared_cache, "set_many", spy):
        client.get("/es/evidence/?q=mujeres")
        searched = dict(stored)
        stored.clear()
        client.get("/es/evidence/")
    assert set(searched.values()) == {60}
    assert set(stored.values()) == {settings.CACHE_PAGE_SECONDS}


# ------------------------------------------------------------------------------------------------ nothing private


def test_a_logged_in_reader_never_gets_a_stored_page_nor_leaves_one(site, client, cast):
    client.force_login(cast.member)
    mine = client.get("/es/evidence/")
    assert outcome(mine) == "bypass" and "/es/accounts/logout/" in mine.content.decode()
    assert "private" in mine["Cache-Control"]
    client.logout()
    client.cookies.clear()
    anonymous = client.get("/es/evidence/")
    assert outcome(anonymous) == "miss" and "/es/accounts/logout/" not in anonymous.content.decode()


def test_a_stored_page_is_never_given_to_someone_logged_in(site, client, cast):
    assert outcome(client.get("/en/")) == "miss"
    assert outcome(client.get("/en/")) == "hit"
    client.force_login(cast.moderator)
    page = client.get("/en/")
    assert outcome(page) == "bypass" and "/en/accounts/logout/" in page.content.decode()


@pytest.mark.parametrize(
    "private",
    [
        {"cookie": ("sessionid", "anything")},
        {"cookie": ("messages", "pending")},
        {"header": ("HTTP_AUTHORIZATION", "Token abc")},
    ],
    ids=["session cookie", "pending messages", "authorization header"],
)
def test_private_state_always_renders(site, client, private):
    client.get("/en/plans/")
    if "cookie" in private:
        client.cookies[private["cookie"][0]] = private["cookie"][1]
        response = client.get("/en/plans/")
    else:
        response = client.get("/en/plans/", **dict([private["header"]]))
    assert outcome(response) == "bypass"


def test_pages_outside_the_register_are_never_cached(site, client, cast):
    # Forms, workspaces and the API carry tokens or someone's data: no cache header, nothing stored.
    for url in ("/en/accounts/login/", "/en/moderation/", "/api/v1/plans/", "/healthz"):
        response = client.get(url)
        assert page_cache.HEADER not in response, url
    assert outcome(client.get("/en/accounts/login/")) == ""


def test_a_404_is_not_stored(client, mx_plan):
    missing = f"/en/plans/{PLAN}/indicators/I999/"
    assert client.get(missing).status_code == 404
    assert outcome(client.get(missing)) == "bypass"


def test_a_response_that_sets_a_cookie_is_not_stored(site, client):
    with mock.patch("portal.page_cache._storable", wraps=page_cache._storable) as storable:
        client.get("/en/plans/")
    response, request = storable.call_args.args
    assert response.status_code == 200 and page_cache._storable(response, request)
    response.set_cookie("csrftoken", "x")  # a page that rendered a CSRF token sets its cookie
    assert page_cache._storable(response, request) is False


def test_with_the_cache_down_pages_are_rendered(site, client):
    with mock.patch.object(page_cache.shared_cache, "get_many", return_value=None):
        first = client.get("/es/")
        second = client.get("/es/")
    assert first.status_code == second.status_code == 200
    assert outcome(first) == outcome(second) == "bypass"


# -------------------------------------------------------------------------------------- precise invalidation


def _warm(client, urls):
    for url in urls:
        client.get(url)
        assert outcome(client.get(url)) == "hit", url


def test_approving_an_item_changes_at_once_exactly_the_pages_that_show_it(
    site, client, cast, mx_plan, django_capture_on_commit_callbacks
):
    item = EvidenceFactory(
        organisation=cast.intersecta,
        submitted_by=cast.member,
        status=EvidenceStatus.SUBMITTED,
        plan=mx_plan,
        title="Policías capacitadas en género",
        indicators=[site["i5"]],
    )
    search.refresh([item.pk])
    showing = [
        "/es/",
        "/es/evidence/",
        "/en/evidence/?q=capacitadas",
        f"/es/plans/{PLAN}/indicators/I05/",
        "/es/organisations/intersecta/",  # its most recent public items
    ]
    not_showing = [
        f"/es/plans/{PLAN}/indicators/I13/",
        f"/es/plans/{PLAN}/",
        "/es/reports/",
        "/es/reports/informe-sombra/v1/",
        "/es/institutions/SRE/",
        "/es/transparency/",
        f"/es/evidence/{site['shown'].uuid}/",
    ]
    _warm(client, showing + not_showing)
    assert client.get(f"/es/evidence/{item.uuid}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve_evidence(evidence=item, actor=cast.moderator)
    for url in showing:
        response = client.get(url)
        assert outcome(response) == "miss", url
        assert "Policías" in response.content.decode(), url
    for url in not_showing:
        assert outcome(client.get(url)) == "hit", url
    assert client.get(f"/es/evidence/{item.uuid}/").status_code == 200


def test_withdrawing_an_item_takes_it_off_every_page_that_showed_it(
    site, client, cast, django_capture_on_commit_callbacks
):
    item = site["shown"]
    urls = ["/en/", "/en/evidence/", f"/en/plans/{PLAN}/indicators/I13/", f"/en/evidence/{item.uuid}/"]
    _warm(client, urls)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.withdraw_evidence(evidence=item, actor=cast.moderator, reason="Fuente retirada.")
    assert client.get(f"/en/evidence/{item.uuid}/").status_code == 404
    for url in urls[:3]:
        response = client.get(url)
        assert outcome(response) == "miss" and item.title not in response.content.decode(), url


def test_a_change_that_is_rolled_back_changes_no_page(site, client, cast, django_capture_on_commit_callbacks):
    from django.db import transaction

    _warm(client, ["/en/evidence/"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        moderation.withdraw_evidence(evidence=site["shown"], actor=cast.moderator, reason="No.")
        raise RuntimeError("rolled back")
    assert outcome(client.get("/en/evidence/")) == "hit"


def test_an_embargo_passing_makes_the_version_appear(site, client, cast, django_capture_on_commit_callbacks):
    report = site["report"]
    report.refresh_from_db()
    report = report_service.update_report(
        report=report, actor=cast.reviewer, fields={"executive_summary": "Corregido."}, expected_version=report.version
    )
    until = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        report_service.request_publication(
            report=report, actor=cast.reviewer, change_note="Fe de erratas", public_from=until
        )
        report_service.approve_publication(report=report, actor=cast.other_reviewer)
    _warm(client, ["/en/reports/", "/en/reports/informe-sombra/"])
    assert "v2" not in client.get("/en/reports/").content.decode()
    assert client.get("/en/reports/informe-sombra/v2/").status_code == 404
    later = until + dt.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        listing = client.get("/en/reports/")
        latest = client.get("/en/reports/informe-sombra/")
        assert outcome(listing) == "miss" and outcome(latest) == "miss"
        assert "/en/reports/informe-sombra/v2/" in latest.content.decode() or "Fe de erratas" in latest.content.decode()
        assert client.get("/en/reports/informe-sombra/v2/").status_code == 200
        client.get("/en/reports/")
        assert outcome(client.get("/en/reports/")) == "hit"  # the clock moved on to the next embargo (none)


def test_a_transparency_answer_changes_the_transparency_pages_only(
    site, client, cast, django_capture_on_commit_callbacks
):
    request = site["request"]
    urls = ["/es/transparency/", f"/es/transparency/requests/{request.uuid}/", "/es/institutions/SRE/"]
    _warm(client, [*urls, "/es/evidence/"])
    with django_capture_on_commit_callbacks(execute=True):
        transparency.extend_request(request=request, actor=cast.member, expected_version=request.version)
    for url in urls:
        assert outcome(client.get(url)) == "miss", url
    assert outcome(client.get("/es/evidence/")) == "hit"


def test_pages_with_deadlines_change_at_midnight(site, client):
    _warm(client, ["/en/transparency/", "/en/plans/"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
        assert outcome(client.get("/en/transparency/")) == "miss"
        assert outcome(client.get("/en/plans/")) == "hit"


def test_an_admin_edit_changes_every_page(site, client, cast, django_capture_on_commit_callbacks):
    _warm(client, ["/en/plans/", "/es/evidence/"])
    admin = cast.moderator
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/admin/monitoring/institution/{site['sre'].pk}/change/",
            {**_admin_form(site["sre"]), "name_en": "Ministry of Foreign Affairs (renamed)"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    client.cookies.clear()
    page = client.get("/en/institutions/")
    assert outcome(page) == "miss" and "renamed" in page.content.decode()
    assert outcome(client.get("/es/evidence/")) == "miss"


def _admin_form(institution) -> dict[str, str]:
    from django.forms.models import model_to_dict

    data = {k: ("" if v is None else v) for k, v in model_to_dict(institution).items()}
    return {k: v for k, v in data.items() if not isinstance(v, list)}


def test_a_new_release_never_serves_the_previous_releases_pages(site, client):
    _warm(client, ["/en/plans/"])
    with mock.patch.object(page_cache, "build_id", return_value="next-release"):
        assert outcome(client.get("/en/plans/")) == "miss"


def test_a_lost_generation_is_recreated_and_old_pages_stop_matching(site, client):
    from django.core.cache import cache

    _warm(client, ["/en/evidence/"])
    cache.delete(page_cache._generation_key("evidence"))
    assert outcome(client.get("/en/evidence/")) == "miss"  # stored again, under a new generation
    assert outcome(client.get("/en/evidence/")) == "hit"


def test_registering_is_idempotent():
    before = page_cache.registered()
    register_pages()
    assert page_cache.registered() == before
