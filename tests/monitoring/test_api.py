"""The open-data API: read-only, anonymous, licensed, CORS-open for GET, throttled, and schema-valid."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from portal.middleware import CONTROL_CHARACTERS, QUERY_VALUE_CONTROL_CHARACTERS
from portal.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
# Control characters in query strings (NUL included) are refused with a 400 before any view, by design
# (portal.middleware.ControlCharacterMiddleware; tests/security/test_control_characters.py).
schema.config.generation.update(allow_x00=False)


@schema.hook
def filter_query(ctx: object, query: dict[str, object] | None) -> bool:
    for key, value in (query or {}).items():
        values = value if isinstance(value, list) else [value]
        if CONTROL_CHARACTERS.search(key) or any(QUERY_VALUE_CONTROL_CHARACTERS.search(str(v)) for v in values):
            return False
    return True


def test_the_plan_endpoint_serves_the_whole_tree_with_honesty_flags(client, mx_plan):
    data = client.get("/api/v1/plans/mx-pna-1325-2021/").json()
    assert [p["code"] for p in data["pillars"]] == ["P1", "P2", "P3", "P4"]
    objective = data["pillars"][1]["objectives"][0]
    assert {"code", "wording", "placement", "lines_of_action"} <= objective.keys()
    assert data["wording_note_en"].startswith("The texts of objectives")


def test_lists_are_paginated_and_carry_the_licence(client, mx_plan):
    response = client.get("/api/v1/indicators/?page_size=10")
    body = response.json()
    assert body["licence"]["name"] == "CC BY 4.0" and body["count"] == 33 and len(body["results"]) == 10
    assert 'rel="license"' in response["Link"]
    indicator = client.get("/api/v1/indicators/?plan=mx-pna-1325-2021&code=I13").json()["results"][0]
    assert indicator["target_value"] == "50.00" and indicator["responsible"] == ["INMUJERES", "SESNSP"]


def test_the_api_is_read_only(client, mx_plan):
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/indicators/").status_code == 405


def test_cors_is_open_for_get_on_the_api_only(client, mx_plan):
    api = client.get("/api/v1/plans/", HTTP_ORIGIN="https://notebook.example")
    assert api["Access-Control-Allow-Origin"] == "*"
    page = client.get("/en/", HTTP_ORIGIN="https://notebook.example")
    assert "Access-Control-Allow-Origin" not in page


def test_anonymous_clients_are_throttled(client, mx_plan, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    statuses = [client.get("/api/v1/institutions/").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    cache.clear()


def test_the_schema_and_its_documentation_page_are_served(client):
    schema_response = client.get("/api/schema/")
    assert schema_response.status_code == 200
    assert b"openapi: 3" in schema_response.content
    docs = client.get("/api/docs/", follow=True).content.decode()
    assert "swagger" in docs.lower() and "cdn" not in docs.lower()


@pytest.fixture
def keep_test_connection():
    """Calling the WSGI app directly fires request_finished, which would close the test's database
    connection (Django's test client disconnects this handler for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_every_endpoint_conforms_to_its_schema(case, mx_plan, keep_test_connection):
    cache.clear()
    case.call_and_validate(headers={"Accept-Encoding": "identity"})  # the WSGI transport does not decompress
