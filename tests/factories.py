"""factory_boy factories and the fixed cast of people used across the suite."""

from __future__ import annotations

import datetime as dt

import factory

from monitoring.models import Evidence, EvidenceKind, EvidenceStatus, Visibility
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
