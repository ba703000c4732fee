"""Organisations edited in the site (every field checked, logos re-encoded, stale forms refused, audited) and their
public pages (who they are, public evidence by indicator, published reports; constant queries; cached and bumped)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from monitoring.models import EvidenceStatus, Indicator, ReportStatus, Visibility
from portal import page_cache, services_people
from portal.models import AuditEvent, Organisation, User
from tests.factories import EvidenceFactory, OrganisationFactory, ReportFactory, ReportVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _png(size=(40, 20), fmt="PNG", exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 90))
    kwargs = {"exif": exif} if exif else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _form(**changes):
    data = {
        "name": "Centro de Derechos Humanos",
        "acronym": "CDH",
        "website": "https://cdh.example.org",
        "description_es": "Acompañamos a mujeres defensoras.",
        "description_en": "We accompany women human rights defenders.",
    }
    data.update(changes)
    return data


# --------------------------------------------------------------------------------------------- create and edit


def test_a_moderator_creates_an_organisation_with_a_logo_and_it_is_audited(cast):
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    logo = SimpleUploadedFile("logo.jpg", _png((1600, 800), "JPEG", exif=exif.tobytes()), content_type="image/jpeg")
    response = _client(cast.moderator).post("/en/manage/organisations/new/", {**_form(), "logo": logo})
    assert response.status_code == 302
    org = Organisation.objects.get(name="Centro de Derechos Humanos")
    assert response["Location"] == f"/en/manage/organisations/{org.slug}/"
    assert org.slug == "centro-de-derechos-humanos" and org.acronym == "CDH" and org.version == 1
    assert org.description_en.startswith("We accompany")
    with org.logo.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and max(image.size) == 600  # re-encoded, scaled down
    assert b"SecretCameraMaker" not in data and not image.getexif()
    event = AuditEvent.objects.get(action="portal.organisation.created")
    assert event.actor == cast.moderator and event.changes["name"] == [None, "Centro de Derechos Humanos"]
    assert event.changes["logo"][1] == org.logo.name


def test_an_edit_is_saved_audited_with_before_and_after_and_an_untouched_save_changes_nothing(cast):
    client = _client(cast.moderator)
    response = client.post(
        "/en/manage/organisations/intersecta/edit/", _form(name="Intersecta A.C.", acronym="", version=1)
    )
    assert response.status_code == 302
    org = Organisation.objects.get(slug="intersecta")
    assert org.name == "Intersecta A.C." and org.version == 2
    event = AuditEvent.objects.get(action="portal.organisation.updated")
    assert event.changes["name"] == ["Intersecta", "Intersecta A.C."]
    assert event.changes["description_es"] == ["", "Acompañamos a mujeres defensoras."]
    assert "acronym" not in event.changes  # unchanged fields are not claimed as changes
    client.post("/en/manage/organisations/intersecta/edit/", _form(name="Intersecta A.C.", acronym="", version=2))
    org.refresh_from_db()
    assert org.version == 2 and AuditEvent.objects.filter(action="portal.organisation.updated").count() == 1
    assert org.slug == "intersecta"  # the public address never changes


def test_two_moderators_editing_at_once_never_overwrite_each_other(cast):
    first, second = _client(cast.moderator), _client(UserFactory(email="m2@observatorio.test", is_staff=True))
    second_user = User.objects.get(email="m2@observatorio.test")
    second_user.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    assert first.get("/en/manage/organisations/intersecta/edit/").status_code == 200
    assert second.get("/en/manage/organisations/intersecta/edit/").status_code == 200
    assert first.post("/en/manage/organisations/intersecta/edit/", _form(name="First", version=1)).status_code == 302
    response = second.post("/en/manage/organisations/intersecta/edit/", _form(name="Second", version=1))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this organisation after you opened it" in html
    assert "What you typed (not saved)" in html and "Second" in html  # what she typed is shown
    assert 'value="First"' in html  # the form now holds the saved version
    assert Organisation.objects.get(slug="intersecta").name == "First"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"name": "Data Cívica"}, "Another organisation already has this name."),
        ({"name": "DATA CÍVICA"}, "Another organisation already has this name."),
        ({"name": "!!!"}, "The name needs at least one letter or digit."),
        ({"name": "Bad\x00name"}, "Null characters are not allowed."),
        ({"name": "Bad\x07name"}, "Remove the invisible control characters"),
        ({"name": "Two\nlines"}, "Write this on one line."),
        ({"acronym": "A" * 31}, "at most 30 characters"),
        ({"website": "javascript:alert(1)"}, "Enter a valid URL."),
        ({"website": "ftp://example.org"}, "Enter a valid URL."),
        ({"website": "https://" + "a" * 300 + ".org"}, "at most 200 characters"),
        ({"description_es": "x" * 5001}, "at most 5000 characters"),
        ({"description_en": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_the_organisation_form_refuses_bad_input_and_keeps_what_was_typed(cast, changes, message):
    data = _form(**changes)
    response = _client(cast.moderator).post("/en/manage/organisations/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Nothing you typed was lost." in html
    kept = "We accompany women human rights defenders." if "description_en" not in changes else "Acompañamos a"
    assert kept in html  # the other fields keep what was typed
    assert not Organisation.objects.filter(acronym="CDH").exists()


def test_hostile_text_is_stored_as_typed_and_shown_as_text(cast, mx_plan):
    hostile = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    _client(cast.moderator).post(
        "/en/manage/organisations/new/", _form(name=hostile, description_es=hostile, acronym="<b>X</b>")
    )
    org = Organisation.objects.get(acronym="<b>X</b>")
    assert org.name == hostile
    indicator = Indicator.objects.get(plan=mx_plan, code="I13")
    EvidenceFactory(plan=mx_plan, organisation=org, status=EvidenceStatus.APPROVED, indicators=[indicator])
    for path in (f"/en/organisations/{org.slug}/", "/en/organisations/", f"/en/manage/organisations/{org.slug}/"):
        html = _client(cast.moderator if "manage" in path else None).get(path).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>X</b>" not in html, path
        assert "&lt;script&gt;alert" in html, path


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"", content_type="image/png"), "The submitted file is empty."),
        (SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png"), "must be a PNG, JPEG"),
        (SimpleUploadedFile("logo.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml"), "must be a PNG"),
        (SimpleUploadedFile("logo.gif", b"GIF89a" + b"\x00" * 40, content_type="image/gif"), "must be a PNG"),
        (SimpleUploadedFile("logo.png", _png()[:60], content_type="image/png"), "damaged image"),
        (SimpleUploadedFile("logo.png", b"x" * (5 * 1024 * 1024 + 1), content_type="image/png"), "larger than 5"),
    ],
)
def test_a_logo_that_is_not_a_usable_image_is_refused(cast, upload, message):
    response = _client(cast.moderator).post("/en/manage/organisations/new/", {**_form(), "logo": upload})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert not Organisation.objects.filter(acronym="CDH").exists()


def test_an_image_with_too_many_pixels_is_refused_without_being_decoded(cast):
    # A 9000 × 9000 PNG of one colour compresses to a few hundred kilobytes: a decompression bomb.
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, format="PNG")
    upload = SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")
    response = _client(cast.moderator).post("/en/manage/organisations/new/", {**_form(), "logo": upload})
    assert "too many pixels" in response.content.decode()
    assert not Organisation.objects.filter(acronym="CDH").exists()


def test_replacing_and_removing_the_logo(cast, django_capture_on_commit_callbacks):
    client = _client(cast.moderator)
    first = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    client.post("/en/manage/organisations/intersecta/edit/", {**_form(), "version": 1, "logo": first})
    org = Organisation.objects.get(slug="intersecta")
    old_name = org.logo.name
    assert old_name.startswith("logos/intersecta-")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/manage/organisations/intersecta/edit/", {**_form(), "version": 2, "remove_logo": "on"})
    org.refresh_from_db()
    assert not org.logo and org.version == 3
    assert not org.logo.storage.exists(old_name)  # the stored file went with it
    event = AuditEvent.objects.filter(action="portal.organisation.updated").latest("pk")
    assert event.changes["logo"] == [old_name, None]


# --------------------------------------------------------------------------------------------- public pages


def _public_work(mx_plan, org, items: int = 1, reports: int = 1):
    indicators = list(Indicator.objects.filter(plan=mx_plan).order_by("position")[:3])
    for n in range(items):
        EvidenceFactory(plan=mx_plan, organisation=org, status=EvidenceStatus.APPROVED, indicators=[indicators[n % 3]])
    for _n in range(reports):
        report = ReportFactory(plan=mx_plan, organisations=[org], status=ReportStatus.PUBLISHED)
        ReportVersionFactory(report=report, number=1)
    return indicators


def test_the_public_page_says_who_the_organisation_is_and_what_it_published(cast, mx_plan):
    org = cast.intersecta
    org.description_es, org.website, org.acronym = "Una organización feminista.", "https://intersecta.org", "INT"
    org.save()
    indicators = _public_work(mx_plan, org, items=4, reports=1)
    # Not counted: a confidential item, a draft, an item of another organisation, an embargoed report.
    EvidenceFactory(
        plan=mx_plan,
        organisation=org,
        status=EvidenceStatus.APPROVED,
        visibility=Visibility.CONFIDENTIAL,
        indicators=[indicators[0]],
        title="Secret item",
    )
    EvidenceFactory(
        plan=mx_plan, organisation=org, status=EvidenceStatus.DRAFT, indicators=[indicators[0]], title="Draft item"
    )
    embargoed = ReportFactory(
        plan=mx_plan, organisations=[org], status=ReportStatus.PUBLISHED, title="Embargoed report"
    )
    ReportVersionFactory(report=embargoed, number=1, public_from=timezone.now() + dt.timedelta(days=3))
    draft = ReportFactory(plan=mx_plan, organisations=[org], title="Draft report")
    html = Client().get("/en/organisations/intersecta/").content.decode()
    assert "<h1" in html and "Intersecta" in html and "(INT)" in html
    assert '<p class="prewrap" lang="es">Una organización feminista.</p>' in html  # Spanish fallback, marked
    assert "4 public evidence items" in html
    assert f"/en/plans/{mx_plan.slug}/indicators/{indicators[0].code}/" in html
    assert "Secret item" not in html and "Draft item" not in html
    assert "Embargoed report" not in html and draft.title not in html
    assert "/en/reports/" in html and "version 1" in html
    spanish = Client().get("/es/organisations/intersecta/").content.decode()
    assert 'lang="es">Una organización' not in spanish  # the page's own language needs no mark


def test_an_organisation_without_public_work_has_no_public_page(cast, mx_plan):
    EvidenceFactory(plan=mx_plan, organisation=cast.data_civica, status=EvidenceStatus.SUBMITTED)
    assert Client().get("/en/organisations/data-civica/").status_code == 404
    assert Client().get("/en/organisations/no-such-organisation/").status_code == 404
    assert "Data Cívica" not in Client().get("/en/organisations/").content.decode()
    assert "/organisations/data-civica/" not in Client().get("/sitemap.xml").content.decode()


def test_the_public_list_and_the_sitemap_name_organisations_with_public_work(cast, mx_plan):
    _public_work(mx_plan, cast.intersecta, items=2, reports=1)
    html = Client().get("/en/organisations/").content.decode()
    assert '<a href="/en/organisations/intersecta/">Intersecta</a>' in html
    sitemap = Client().get("/sitemap.xml").content.decode()
    assert "/es/organisations/intersecta/" in sitemap and "/en/organisations/intersecta/" in sitemap


def test_the_public_evidence_list_links_the_organisation(cast, mx_plan):
    _public_work(mx_plan, cast.intersecta, items=1, reports=0)
    html = Client().get("/en/evidence/").content.decode()
    assert '<a href="/en/organisations/intersecta/">Intersecta</a>' in html


@pytest.mark.parametrize("path", ["/es/organisations/", "/es/organisations/intersecta/"])
def test_the_public_pages_make_a_constant_number_of_queries(cast, mx_plan, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(path).status_code == 200
        return len(ctx.captured_queries)

    _public_work(mx_plan, cast.intersecta, items=10, reports=1)
    few = count()
    _public_work(mx_plan, cast.intersecta, items=90, reports=9)
    for n in range(20):
        _public_work(mx_plan, OrganisationFactory(name=f"Org {n}"), items=1, reports=0)
    assert count() == few
    assert few <= 10


def test_the_logo_is_served_for_public_organisations_only(cast, mx_plan):
    client = _client(cast.moderator)
    client.post(
        "/en/manage/organisations/intersecta/edit/",
        {
            **_form(name="Intersecta"),
            "version": 1,
            "logo": SimpleUploadedFile("a.png", _png(), content_type="image/png"),
        },
    )
    assert Client().get("/en/organisations/intersecta/logo/").status_code == 404  # no public work yet
    assert client.get("/en/organisations/intersecta/logo/").status_code == 200  # moderators see it in the form
    _public_work(mx_plan, cast.intersecta)
    response = Client().get("/en/organisations/intersecta/logo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert 'src="/en/organisations/intersecta/logo/"' in Client().get("/en/organisations/intersecta/").content.decode()


def test_the_public_pages_are_registered_with_the_page_cache_and_edits_bump_their_scopes(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    policies = page_cache.registered()
    assert {"evidence", "reports", "organisations"} <= set(policies["monitoring:organisation_public_list"].scopes)
    assert "evidence" in policies["monitoring:organisation_public"].scopes
    bumped: list[tuple[str, ...]] = []
    monkeypatch.setattr(page_cache, "bump_now", lambda *scopes: bumped.append(scopes))
    with django_capture_on_commit_callbacks(execute=True):
        services_people.update_organisation(
            organisation=cast.intersecta, version=1, data=_form(name="Intersecta", acronym=""), actor=cast.moderator
        )
    assert set(bumped[-1]) == {"organisations", "organisation:intersecta"}
    with django_capture_on_commit_callbacks(execute=True):
        services_people.update_organisation(
            organisation=cast.intersecta,
            version=2,
            data=_form(name="Intersecta A.C.", acronym=""),
            actor=cast.moderator,
        )
    assert bumped[-1] == ("site",)  # a new name appears on every page that names the organisation
