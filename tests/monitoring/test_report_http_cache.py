"""HTTP caching of published versions: public and long-lived only for what never changes, for anonymous readers;
ETags answered with 304; nothing cacheable for logged-in readers, editors' previews or embargoed versions."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from monitoring.services import reports as svc
from tests.reporting import create_accepted_report

pytestmark = pytest.mark.django_db

SLUG = "informe-cache"
YEAR = "public, max-age=31536000, immutable"


def _report(cast, mx_plan):
    return create_accepted_report(
        actor=cast.reviewer,
        organisations=[cast.intersecta, cast.data_civica],
        fields={
            "title": "Informe con caché",
            "slug": SLUG,
            "plan": mx_plan,
            "period_start": dt.date(2021, 1, 1),
            "period_end": dt.date(2021, 12, 31),
            "executive_summary": "Resumen.",
        },
    )


def _publish(cast, report, public_from=None, note=""):
    if note:  # a correction: the next version must differ from the last
        report.refresh_from_db()
        report = svc.update_report(
            report=report, actor=cast.reviewer, fields={"executive_summary": note}, expected_version=report.version
        )
    svc.request_publication(report=report, actor=cast.reviewer, change_note=note, public_from=public_from)
    return svc.approve_publication(report=report, actor=cast.other_reviewer)


@pytest.fixture
def report(cast, mx_plan):
    report = _report(cast, mx_plan)
    _publish(cast, report)
    return report


def _revalidate(client, url, response):
    return client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


def test_a_version_page_is_public_for_a_few_minutes_with_an_etag_and_answers_304(client, cast, report):
    url = f"/en/reports/{SLUG}/v1/"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=300"  # not immutable: a later version adds a notice
    assert first["ETag"].startswith('W/"')
    assert "cookie" in _vary(first)  # a logged-in reader's page has their menu: shared caches must tell them apart

    again = _revalidate(client, url, first)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Cache-Control"] == first["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH='W/"something-else"').status_code == 200

    # A second version changes the first one's page ("superseded by version 2"), so its ETag changes too.
    _publish(cast, report, note="v2")
    after = _revalidate(client, url, first)
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert "superseded by version 2" in after.content.decode()


def test_the_latest_page_is_revalidated_every_time_and_changes_with_a_new_version(client, cast, report):
    url = f"/en/reports/{SLUG}/"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, no-cache" and "immutable" not in first["Cache-Control"]
    assert _revalidate(client, url, first).status_code == 304
    _publish(cast, report, note="v2")
    after = _revalidate(client, url, first)
    assert after.status_code == 200 and after["ETag"] != first["ETag"]


def test_the_etag_differs_per_language_and_per_representation(client, report):
    tags = {
        client.get(url)["ETag"]
        for url in [
            f"/en/reports/{SLUG}/v1/",
            f"/es/reports/{SLUG}/v1/",
            f"/en/reports/{SLUG}/v1/download.json",
            f"/es/reports/{SLUG}/v1/download.json",
            f"/en/reports/{SLUG}/v1/download.csv",
            f"/es/reports/{SLUG}/v1/download.csv",
        ]
    }
    assert len(tags) == 6


@pytest.mark.parametrize("fmt", ["json", "csv", "pdf"])
def test_downloads_are_immutable_for_a_year_and_vary_on_nothing_personal(client, report, fmt):
    url = f"/en/reports/{SLUG}/v1/download.{fmt}"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == YEAR and first["ETag"].startswith('W/"')
    assert "cookie" not in _vary(first)  # the same bytes for everyone
    assert first["X-Content-Type-Options"] == "nosniff"

    # Revalidation answers from the version alone: not even the storage is asked.
    with mock.patch("portal.storage.open_stream", side_effect=AssertionError("storage read on a 304")):
        again = _revalidate(client, url, first)
    assert again.status_code == 304 and again["ETag"] == first["ETag"] and again["Cache-Control"] == YEAR


def test_a_logged_in_reader_never_gets_a_cacheable_response(client, cast, report):
    client.force_login(cast.member)
    for url in [
        f"/en/reports/{SLUG}/",
        f"/en/reports/{SLUG}/v1/",
        f"/en/reports/{SLUG}/v1/download.json",
        f"/en/reports/{SLUG}/v1/download.pdf",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url
        assert "public" not in cache_control and "immutable" not in cache_control, url
        assert not response.has_header("ETag"), url
    # Their page has their menu; an anonymous reader's cached copy is never what they get.
    assert "Log out" in client.get(f"/en/reports/{SLUG}/v1/").content.decode()


def test_an_embargoed_version_is_never_cacheable_even_for_its_author(client, cast, mx_plan):
    report = _report(cast, mx_plan)
    _publish(cast, report, public_from=timezone.now() + dt.timedelta(days=3))
    urls = [f"/en/reports/{SLUG}/", f"/en/reports/{SLUG}/v1/", f"/en/reports/{SLUG}/v1/download.pdf"]
    for url in urls:
        anonymous = client.get(url)
        assert anonymous.status_code == 404, url
        assert "no-store" in anonymous["Cache-Control"] and "public" not in anonymous["Cache-Control"], url

    client.force_login(cast.reviewer)  # who wrote it and asked for its publication
    for url in [*urls, f"/en/workspace/reports/{report.uuid}/preview/"]:
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"], url
        assert not response.has_header("ETag"), url
    assert client.get(f"/en/workspace/reports/{report.uuid}/preview/").status_code == 200


def test_an_anonymous_page_carrying_a_message_is_not_shared(client, report):
    client.cookies["messages"] = "pending"
    response = client.get(f"/en/reports/{SLUG}/v1/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]
