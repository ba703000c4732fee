"""factory_boy factories and the fixed cast of people used across the suite."""

from __future__ import annotations

import datetime as dt

import factory

from monitoring.models import (
    Assessment,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Report,
    ReportStatus,
    ReportVersion,
    TransparencyAttachment,
    TransparencyRequest,
    Visibility,
)
from monitoring.models.evidence import PublicIndicatorEvidence
from monitoring.snapshots import build_snapshot
from portal.models import Membership, Organisation, Role, User

PASSWORD = "a-long-test-password-1325"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MEMBER


class EvidenceFactory(factory.django.DjangoModelFactory):
    """Evidence written straight to the database, for tests that need a given state."""

    class Meta:
        model = Evidence
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    submitted_by = factory.SubFactory(UserFactory)
    status = EvidenceStatus.DRAFT
    kind = EvidenceKind.NEWS_REPORT
    title = factory.Sequence(lambda n: f"Evidence item {n}")
    summary = "What the source says."
    source_url = "https://example.org/source"
    source_date = dt.date(2022, 3, 1)
    period_start = dt.date(2021, 1, 1)
    period_start_precision = "year"
    period_end = dt.date(2021, 12, 31)
    period_end_precision = "year"
    language = "es"
    visibility = Visibility.PUBLIC

    @factory.post_generation
    def indicators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.indicators.set(extracted)
            # What the approval transaction maintains: the indicator pages' list of public items.
            PublicIndicatorEvidence.sync([obj.pk])


class ReportFactory(factory.django.DjangoModelFactory):
    """A report's working copy written straight to the database (pass ``plan``; authoring organisations via
    ``organisations=[...]``). Use ``services.reports.create_report`` when the test needs its assessments."""

    class Meta:
        model = Report
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"report-{n}")
    title = factory.Sequence(lambda n: f"Shadow report {n}")
    period_start = dt.date(2021, 1, 1)
    period_end = dt.date(2021, 12, 31)
    status = ReportStatus.DRAFT
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def organisations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.organisations.set(extracted)


class TransparencyRequestFactory(factory.django.DjangoModelFactory):
    """A pending transparency request (pass ``organisation`` and ``institution``), private unless ``is_public``."""

    class Meta:
        model = TransparencyRequest
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    folio = factory.Sequence(lambda n: f"33000{n:04d}2500001")
    question = "¿Cuántas mujeres fueron desplegadas en operaciones de paz?"
    filed_on = dt.date(2025, 3, 3)
    due_on = dt.date(2025, 4, 1)
    is_public = False

    @factory.post_generation
    def indicators(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.indicators.set(extracted)


class TransparencyAttachmentFactory(factory.django.DjangoModelFactory):
    """An answer file stored in the default storage (a tiny PDF)."""

    class Meta:
        model = TransparencyAttachment

    request = factory.SubFactory(TransparencyRequestFactory)
    file = factory.django.FileField(filename="respuesta.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "respuesta.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64
    original_sha256 = "0" * 64
    uploaded_by = factory.SubFactory(UserFactory)


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment of one indicator in a report (pass ``report`` and ``indicator``); unrated by default."""

    class Meta:
        model = Assessment

    report = factory.SubFactory(ReportFactory)
    rating = ""
    narrative = ""


class ReportVersionFactory(factory.django.DjangoModelFactory):
    """A published version written straight to the database, its snapshot built from the report as it stands.
    Use ``services.reports.approve_publication`` when the test is about publishing."""

    class Meta:
        model = ReportVersion

    report = factory.SubFactory(ReportFactory)
    number = factory.Sequence(lambda n: n + 1)
    requested_by = factory.SubFactory(UserFactory)
    approved_by = factory.SubFactory(UserFactory)
    content_sha256 = "0" * 64

    @factory.lazy_attribute
    def snapshot(self):
        return build_snapshot(self.report, version={"number": self.number, "published_at": None, "public_from": None})
