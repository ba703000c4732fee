"""Tombstones (issue 17, item 6): a cited item withdrawn after publication keeps a page saying so, and nothing else."""

from __future__ import annotations

import pytest
from django.utils import translation

from monitoring.services import moderation
from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def withdrawn(world, cast):
    item = world["public"]
    item.summary = "A DESCRIPTION ONLY THE PAGE OF THE ITEM SHOWED"
    item.save(update_fields=["summary"])
    assess(world, cast.reviewer, [item])
    publish(world, cast)
    item.refresh_from_db()
    moderation.withdraw_evidence(
        evidence=item, actor=cast.moderator, reason="PRIVATE: the source asked us, see the confidential file"
    )
    return item


def test_a_withdrawn_cited_item_answers_410_with_a_tombstone_and_nothing_else(client, withdrawn):
    response = client.get(f"/en/evidence/{withdrawn.uuid}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "This evidence was withdrawn" in page and "It was withdrawn on" in page
    assert f'href="/en/reports/{SLUG}/v1/"' in page and "Shadow report 2021" in page
    for secret in ("PRIVATE", "confidential file", "A DESCRIPTION ONLY", withdrawn.title):
        assert secret not in page
    assert response["X-Robots-Tag"] == "noindex"


def test_the_report_that_cites_it_links_to_the_tombstone(client, withdrawn):
    page = client.get(f"/en/reports/{SLUG}/v1/").content.decode()
    assert f'href="/en/evidence/{withdrawn.uuid}/"' in page
    assert client.get(f"/en/evidence/{withdrawn.uuid}/").status_code == 410


def test_the_api_answers_410_with_the_tombstone_record(client, withdrawn):
    response = client.get(f"/api/v1/evidence/{withdrawn.uuid}/")
    assert response.status_code == 410
    record = response.json()
    assert record["uuid"] == str(withdrawn.uuid) and record["status"] == "withdrawn"
    assert record["withdrawn_on"] and record["reason"]
    assert record["cited_by"] == [
        {"report": SLUG, "title": "Shadow report 2021", "version": 1, "url": f"/es/reports/{SLUG}/v1/"}
    ]
    body = response.content.decode()
    for secret in ("PRIVATE", "A DESCRIPTION ONLY", withdrawn.title, "source_url", '"organisation"'):
        assert secret not in body


def test_an_item_never_public_stays_a_404(client, world, cast):
    confidential = world["confidential"]
    moderation.withdraw_evidence(evidence=confidential, actor=cast.moderator, reason="gone")
    assert client.get(f"/en/evidence/{confidential.uuid}/").status_code == 404
    assert client.get(f"/api/v1/evidence/{confidential.uuid}/").status_code == 404


def test_a_withdrawn_item_no_public_version_cites_stays_a_404(client, world, cast):
    item = world["public"]
    moderation.withdraw_evidence(evidence=item, actor=cast.moderator, reason="gone")
    assert client.get(f"/en/evidence/{item.uuid}/").status_code == 404


def test_its_organisation_and_moderators_still_read_the_whole_item(client, withdrawn, cast):
    for who in (cast.member, cast.moderator):
        client.force_login(who)
        response = client.get(f"/en/evidence/{withdrawn.uuid}/")
        assert response.status_code == 200 and withdrawn.title in response.content.decode()
