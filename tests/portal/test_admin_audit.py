"""Changes made in the admin are in the audit trail with before/after; the trail is append-only in PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from monitoring.models import Holiday
from portal.models import AuditEvent, Membership, Organisation, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    root = User.objects.create_superuser(email="root@observatorio.test", password="x")
    client.force_login(root)
    client.root = root
    return client


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_holiday_added_changed_and_deleted_in_the_admin_is_audited(admin_client):
    base = "/es/admin/monitoring/holiday/"
    data = {"date": "2031-09-16", "name_es": "Independencia", "name_en": "Independence"}
    assert admin_client.post(f"{base}add/", data).status_code == 302
    holiday = Holiday.objects.get(date=datetime.date(2031, 9, 16))
    [added] = _events("monitoring.holiday.admin_added")
    assert added.actor == admin_client.root and added.object_id == str(holiday.pk)
    assert added.changes["name_es"] == [None, "Independencia"] and added.changes["date"] == [None, "2031-09-16"]

    response = admin_client.post(f"{base}{holiday.pk}/change/", {**data, "name_en": "Independence Day"})
    assert response.status_code == 302
    [changed] = _events("monitoring.holiday.admin_changed")
    assert changed.changes == {"name_en": ["Independence", "Independence Day"]}

    assert admin_client.post(f"{base}{holiday.pk}/delete/", {"post": "yes"}).status_code == 302
    [deleted] = _events("monitoring.holiday.admin_deleted")
    assert deleted.object_id == str(holiday.pk) and deleted.changes["name_en"] == ["Independence Day", None]


def test_organisation_memberships_and_people_changed_in_the_admin_are_audited(admin_client, cast):
    org = cast.intersecta
    membership = Membership.objects.filter(organisation=org).order_by("pk").first()
    members = list(Membership.objects.filter(organisation=org).order_by("pk"))
    prefix = "memberships"
    data = {
        "name": org.name,
        "slug": org.slug,
        "description_es": "Nueva descripción",
        "description_en": "",
        "acronym": "",
        "version": str(org.version),
        "website": "",
        f"{prefix}-TOTAL_FORMS": str(len(members) + 1),
        f"{prefix}-INITIAL_FORMS": str(len(members)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, m in enumerate(members):
        data.update({f"{prefix}-{i}-id": m.pk, f"{prefix}-{i}-organisation": org.pk, f"{prefix}-{i}-user": m.user_id})
        data[f"{prefix}-{i}-role"] = Role.REVIEWER if m.pk == membership.pk else m.role
    data.update({f"{prefix}-{len(members)}-user": cast.outsider.pk, f"{prefix}-{len(members)}-role": Role.MEMBER})
    response = admin_client.post(f"/es/admin/portal/organisation/{org.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    [org_event] = _events("portal.organisation.admin_changed")
    assert org_event.changes["description_es"][1] == "Nueva descripción"
    if membership.role != Role.REVIEWER:
        [changed] = _events("portal.membership.admin_changed")
        assert changed.changes == {"role": [membership.role, Role.REVIEWER]}
    [added] = _events("portal.membership.admin_added")
    assert added.changes["user"] == [None, cast.outsider.pk]

    user = cast.member
    response = admin_client.post(
        f"/es/admin/portal/user/{user.pk}/change/",
        {
            "email": user.email,
            "full_name": "Nombre Cambiado",
            "preferred_language": "en",
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2024-01-02",
            "date_joined_1": "10:00:00",
            "initial-date_joined_0": "2024-01-02",
            "initial-date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [event] = _events("portal.user.admin_changed")
    assert event.changes["full_name"][1] == "Nombre Cambiado" and event.changes["is_staff"] == [False, True]
    assert "password" not in event.changes

    response = admin_client.post(
        f"/es/admin/portal/user/{user.pk}/password/",
        {"password1": "otra frase secreta 1325", "password2": "otra frase secreta 1325"},
    )
    assert response.status_code == 302
    [password] = _events("portal.user.admin_password_set")
    assert password.changes == {"password": ["[hidden]", "[changed]"]}
    user.refresh_from_db()
    assert user.password.split("$")[-1] not in str(list(AuditEvent.objects.values("changes")))


def test_an_organisation_deleted_in_the_admin_is_audited(admin_client):
    org = Organisation.objects.create(name="Efímera", slug="efimera")
    assert admin_client.post(f"/es/admin/portal/organisation/{org.pk}/delete/", {"post": "yes"}).status_code == 302
    [event] = _events("portal.organisation.admin_deleted")
    assert event.changes["name"] == ["Efímera", None]


@pytest.mark.postgres
def test_the_database_refuses_to_update_or_delete_audit_rows(cast):
    if connection.vendor != "postgresql":
        pytest.fail("marked postgres: run it on PostgreSQL, where the trigger exists")
    event = AuditEvent.objects.create(action="x.y.z", object_type="x.y", object_id="1", object_repr="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).reason == ""
