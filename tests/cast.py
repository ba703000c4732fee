"""The fixed cast: one person per role, so permission tests read like the product's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission

from portal.models import Organisation, Role, User
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class Cast:
    intersecta: Organisation
    data_civica: Organisation
    member: User  # member of Intersecta
    reviewer: User  # reviewer of Intersecta
    other_member: User  # member of Data Cívica
    other_reviewer: User  # reviewer of Data Cívica
    outsider: User  # has an account, belongs nowhere
    moderator: User  # site staff with the moderate permission


def make_cast() -> Cast:
    intersecta = OrganisationFactory(name="Intersecta", slug="intersecta")
    data_civica = OrganisationFactory(name="Data Cívica", slug="data-civica")
    member = MembershipFactory(organisation=intersecta, role=Role.MEMBER, user__email="member@intersecta.test").user
    reviewer = MembershipFactory(
        organisation=intersecta, role=Role.REVIEWER, user__email="reviewer@intersecta.test"
    ).user
    other_member = MembershipFactory(organisation=data_civica, user__email="member@datacivica.test").user
    other_reviewer = MembershipFactory(
        organisation=data_civica, role=Role.REVIEWER, user__email="reviewer@datacivica.test"
    ).user
    outsider = UserFactory(email="outsider@example.test")
    moderator = UserFactory(email="moderator@observatorio.test", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate", content_type__app_label="portal"))
    return Cast(intersecta, data_civica, member, reviewer, other_member, other_reviewer, outsider, moderator)
