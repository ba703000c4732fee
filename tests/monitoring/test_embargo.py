"""Embargoed versions (issue 17, item 4): who reads them at their permalink, private preview links, and moving or
lifting an embargo with two reviewers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from monitoring.models import EmbargoChange, EmbargoPreviewLink, ReportVersion
from monitoring.services import embargo as embargo_service
from monitoring.services import reports as svc
from monitoring.views.reports import embargo_words
from portal.logs import scrub
from portal.models import AuditEvent, Membership, Role
from tests.reporting import SLUG, assess

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(days=40)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def publish_embargoed(world, cast, when=None) -> ReportVersion:
    assess(world, cast.reviewer, [world["public"]])
    svc.request_publication(
        report=world["report"], actor=cast.reviewer, public_from=when or timezone.now() + LATER, change_note=""
    )
    return svc.approve_publication(report=world["report"], actor=cast.other_reviewer)


@pytest.fixture
def embargoed(world, cast):
    return publish_embargoed(world, cast)


@pytest.fixture
def stranger_reviewer(cast):
    from tests.factories import MembershipFactory, OrganisationFactory

    org = OrganisationFactory(name="Otra", slug="otra")
    return MembershipFactory(organisation=org, role=Role.REVIEWER, user__email="reviewer@otra.test").user


# --------------------------------------------------------------------------- reading at the permalink


@pytest.mark.parametrize("role", ["reviewer", "other_reviewer", "moderator"])
def test_authors_co_authors_and_moderators_read_an_embargoed_version_marked_not_public(client, cast, embargoed, role):
    client.force_login(getattr(cast, role))
    response = client.get(f"/en/reports/{SLUG}/v1/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Embargoed until" in page and "not public" in page
    assert embargo_words(embargoed.public_from) in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert client.get(f"/en/reports/{SLUG}/v1/download.json").status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "other_member", "stranger"])
def test_everyone_else_gets_a_404_that_no_cache_keeps(client, cast, embargoed, stranger_reviewer, role):
    if role == "stranger":
        client.force_login(stranger_reviewer)
    elif role != "anonymous":
        client.force_login(getattr(cast, role))
    for url in (f"/en/reports/{SLUG}/v1/", f"/en/reports/{SLUG}/v1/download.json", f"/en/reports/{SLUG}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "no-store" in response["Cache-Control"]
        assert b"Narrative of I13" not in response.content


def test_a_withdrawn_co_author_no_longer_reads_the_embargoed_version(client, cast, embargoed, world):
    svc.withdraw_coauthorship(report=world["report"], actor=cast.other_reviewer)
    client.force_login(cast.other_reviewer)
    assert client.get(f"/en/reports/{SLUG}/v1/").status_code == 404


# --------------------------------------------------------------------------- preview links


def make_link(version, cast, days=7, label="Ana, El Diario"):
    return embargo_service.create_preview_link(version=version, actor=cast.reviewer, label=label, days=days)


def test_a_preview_link_shows_the_embargoed_version_read_only_never_cached_never_indexed(client, cast, embargoed):
    link, token = make_link(embargoed, cast)
    assert link.token_hash != token and token not in link.token_hash
    assert not EmbargoPreviewLink.objects.filter(token_hash=token).exists()
    response = client.get(f"/en/reports/preview/{token}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Narrative of I13" in page and "private preview link" in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "download.json" not in page and "/workspace/" not in page  # read-only: nothing else to reach
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "X-Page-Cache" not in response or response["X-Page-Cache"] != "hit"


def test_a_preview_link_token_never_reaches_a_log_line(cast, embargoed):
    _link, token = make_link(embargoed, cast)
    assert token not in scrub(f"Not Found: /es/reports/preview/{token}/")


@pytest.mark.parametrize("how", ["expired", "revoked", "tampered", "empty-ish"])
def test_an_expired_revoked_or_tampered_preview_link_is_a_404(client, cast, embargoed, how):
    link, token = make_link(embargoed, cast)
    if how == "expired":
        EmbargoPreviewLink.objects.filter(pk=link.pk).update(
            created_at=timezone.now() - dt.timedelta(days=9), expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif how == "revoked":
        embargo_service.revoke_preview_link(link=link, actor=cast.other_reviewer)
    elif how == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    else:
        token = "x"
    response = client.get(f"/en/reports/preview/{token}/")
    assert response.status_code == 404
    assert b"Narrative of I13" not in response.content


def test_once_the_embargo_passes_a_preview_link_leads_to_the_public_permalink(client, cast, embargoed):
    _link, token = make_link(embargoed, cast)
    ReportVersion.objects.filter(pk=embargoed.pk).update(public_from=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(f"/en/reports/preview/{token}/")
    assert response.status_code == 302 and response["Location"] == f"/en/reports/{SLUG}/v1/"


@pytest.mark.parametrize(("days", "label"), [(0, "Ana"), (31, "Ana"), (7, ""), (7, "x" * 201)])
def test_a_preview_link_needs_a_label_and_lasts_one_to_thirty_days(cast, embargoed, days, label):
    with pytest.raises(svc.ReportError):
        make_link(embargoed, cast, days=days, label=label)
    assert not EmbargoPreviewLink.objects.exists()


def test_creating_and_revoking_a_link_is_audited_without_its_token(client, cast, embargoed):
    client.force_login(cast.reviewer)
    response = client.post(
        f"/en/workspace/reports/{embargoed.report.uuid}/v1/previews/new/", {"label": "Ana, El Diario", "days": "10"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    link = EmbargoPreviewLink.objects.get()
    assert link.label == "Ana, El Diario"
    assert dt.timedelta(days=10) - (link.expires_at - link.created_at) < dt.timedelta(seconds=1)
    url = page.split('id="new-link-url" type="text" readonly value="')[1].split('"')[0]
    token = url.rsplit("/preview/", 1)[1].strip("/")
    assert embargo_service.preview_token_hash(token) == link.token_hash
    created = AuditEvent.objects.get(action="monitoring.report.preview_link_created")
    assert created.actor == cast.reviewer and token not in str(created.changes)
    response = client.post(f"/en/workspace/reports/{embargoed.report.uuid}/v1/previews/{link.uuid}/revoke/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="monitoring.report.preview_link_revoked", actor=cast.reviewer).exists()
    assert client.get(f"/en/reports/preview/{token}/").status_code == 404
    # The link page is shown to authors only: a moderator reads the version, but does not manage its links.
    client.force_login(cast.moderator)
    assert client.get(f"/en/workspace/reports/{embargoed.report.uuid}/v1/embargo/").status_code == 404


@pytest.mark.parametrize(
    "typed", [{"label": "", "days": "7"}, {"label": "Ana", "days": "90"}, {"label": "Ana", "days": "siete"}]
)
def test_the_preview_link_form_refuses_bad_input_keeping_what_was_typed(client, cast, embargoed, typed):
    client.force_login(cast.reviewer)
    response = client.post(f"/en/workspace/reports/{embargoed.report.uuid}/v1/previews/new/", typed)
    assert response.status_code == 200
    assert b"There is a problem with 1 field" in response.content
    assert f'value="{typed["days"]}"'.encode() in response.content
    assert not EmbargoPreviewLink.objects.exists()


# --------------------------------------------------------------------------- moving and lifting


def test_moving_an_embargo_takes_two_reviewers_is_audited_and_changes_the_public_clock(
    cast, embargoed, django_capture_on_commit_callbacks
):
    new = timezone.now() + dt.timedelta(days=3)
    change = embargo_service.request_embargo_change(
        version=embargoed, actor=cast.reviewer, public_from=new, note="Press conference"
    )
    with pytest.raises(svc.ReportError, match="Another reviewer"):
        embargo_service.approve_embargo_change(version=embargoed, actor=cast.reviewer, change_id=change.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version = embargo_service.approve_embargo_change(
            version=embargoed, actor=cast.other_reviewer, change_id=change.pk
        )
    assert callbacks  # the page cache bump (and the clock) and the CSV rebuild run after commit
    assert version.public_from == new and not version.is_public
    embargoed.refresh_from_db()
    assert embargoed.public_from == new
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", cast.other_reviewer)
    event = AuditEvent.objects.get(action="monitoring.report.embargo_moved")
    assert event.actor == cast.other_reviewer and event.changes["public_from"][1] == new.isoformat()
    assert AuditEvent.objects.filter(action="monitoring.report.embargo_change_requested", actor=cast.reviewer).exists()


def test_lifting_an_embargo_publishes_the_version_at_once(client, cast, embargoed):
    assert client.get(f"/en/reports/{SLUG}/v1/").status_code == 404
    change = embargo_service.request_embargo_change(version=embargoed, actor=cast.reviewer, public_from=None)
    embargo_service.approve_embargo_change(version=embargoed, actor=cast.other_reviewer, change_id=change.pk)
    assert client.get(f"/en/reports/{SLUG}/v1/").status_code == 200
    assert AuditEvent.objects.filter(action="monitoring.report.embargo_lifted").count() == 1


def test_the_authors_are_told_when_the_embargo_changes(cast, embargoed):
    from portal.models import Notification

    change = embargo_service.request_embargo_change(version=embargoed, actor=cast.reviewer, public_from=None)
    embargo_service.approve_embargo_change(version=embargoed, actor=cast.other_reviewer, change_id=change.pk)
    told = set(Notification.objects.filter(kind="report.embargo_changed").values_list("recipient", flat=True))
    assert told == {cast.reviewer.pk}  # not the approver herself; nobody outside the authors


@pytest.mark.parametrize(
    "when", [lambda: timezone.now() - dt.timedelta(hours=1), lambda: timezone.now() + dt.timedelta(days=365 * 6)]
)
def test_an_embargo_cannot_move_into_the_past_or_years_ahead(cast, embargoed, when):
    with pytest.raises(svc.ReportError):
        embargo_service.request_embargo_change(version=embargoed, actor=cast.reviewer, public_from=when())
    assert not EmbargoChange.objects.exists()


def test_only_one_change_waits_at_a_time_and_a_stale_approval_is_a_conflict(client, cast, embargoed):
    first = embargo_service.request_embargo_change(version=embargoed, actor=cast.reviewer, public_from=None)
    with pytest.raises(svc.StaleReport):
        embargo_service.request_embargo_change(version=embargoed, actor=cast.other_reviewer, public_from=None)
    embargo_service.cancel_embargo_change(version=embargoed, actor=cast.other_reviewer, change_id=first.pk)
    client.force_login(cast.other_reviewer)
    response = client.post(f"/en/workspace/reports/{embargoed.report.uuid}/v1/embargo/approve/", {"version": first.pk})
    assert response.status_code == 409
    embargoed.refresh_from_db()
    assert not embargoed.is_public


@pytest.mark.parametrize("role", ["member", "other_member", "outsider", "moderator"])
def test_only_authors_move_an_embargo(client, cast, embargoed, role):
    client.force_login(getattr(cast, role))
    response = client.post(
        f"/en/workspace/reports/{embargoed.report.uuid}/v1/embargo/request/", {"action": "lift", "note": ""}
    )
    assert response.status_code == 404
    assert not EmbargoChange.objects.exists()


def test_a_public_version_embargo_cannot_change(cast, world):
    version = publish_embargoed(world, cast, when=timezone.now() + dt.timedelta(days=1))
    ReportVersion.objects.filter(pk=version.pk).update(public_from=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(svc.StaleReport):
        embargo_service.request_embargo_change(version=version, actor=cast.reviewer, public_from=None)


@pytest.mark.parametrize(
    "typed",
    [
        {"action": "move", "public_from": "", "note": "sin fecha"},
        {"action": "move", "public_from": "15/13/2030 10:00", "note": "<script>alert(1)</script>"},
        {"action": "explode", "public_from": "2030-01-15T10:00", "note": "x"},
        {"action": "move", "public_from": "2030-01-15T10:00", "note": "x" * 2001},
    ],
)
def test_the_embargo_form_refuses_bad_input_keeping_what_was_typed(client, cast, embargoed, typed):
    client.force_login(cast.reviewer)
    response = client.post(f"/en/workspace/reports/{embargoed.report.uuid}/v1/embargo/request/", typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem with 1 field" in page
    assert "<script>alert(1)</script>" not in page
    if typed["public_from"]:
        assert f'value="{typed["public_from"]}"' in page
    assert not EmbargoChange.objects.exists()


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("es", "Versión 1 programada para el 15 de enero de 2027, 10:00 (hora de la Ciudad de México)."),
        ("en", "Version 1 scheduled for Jan. 15, 2027, 10:00 (Mexico City time)."),
    ],
)
def test_an_embargoed_publication_says_when_it_becomes_public_in_the_readers_language(
    client, cast, world, lang, expected, settings
):
    settings.TIME_ZONE = "UTC"  # the message is in Mexico City time whatever the server's zone
    when = dt.datetime(2027, 1, 15, 16, 0, tzinfo=dt.UTC)  # 10:00 in Mexico City (UTC-6, no daylight saving)
    svc.request_publication(report=world["report"], actor=cast.reviewer, public_from=when)
    client.force_login(cast.other_reviewer)
    response = client.post(f"/{lang}/workspace/reports/{world['report'].uuid}/publication/approve/", follow=True)
    # The Spanish words come from /tmp/tr_R.json once merged into locale/.
    assert expected in [str(m) for m in response.context["messages"]]


def test_reviewers_of_the_authoring_organisations_are_the_only_ones_told(cast, embargoed):
    assert set(embargo_service._authors(embargoed.report)) == {cast.reviewer, cast.other_reviewer}
    assert Membership.objects.filter(role=Role.MEMBER).exists()
