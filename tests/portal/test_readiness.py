"""/readyz says whether each dependency answers; /metrics exists only for a scraper holding the token."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_ready_when_every_dependency_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("part", "target"),
    [
        ("database", "django.db.backends.utils.CursorWrapper.execute"),
        ("cache", "django.core.cache.backends.locmem.LocMemCache.set"),
        ("storage", "django.core.files.storage.FileSystemStorage.exists"),
    ],
)
def test_a_failing_part_is_named_without_its_details(client, part, target):
    secret = "connection to db-internal.cluster.local:5432 refused"
    with mock.patch(target, side_effect=OperationalError(secret)):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"][part] == "unavailable"
    assert [name for name, value in body["checks"].items() if value != "ok"] == [part]
    assert "db-internal" not in response.content.decode() and "5432" not in response.content.decode()


def test_an_unreachable_broker_makes_the_process_not_ready(client):
    from portal.celery import app

    conf = app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        conf.task_always_eager, conf.broker_url = saved
    assert response.status_code == 503 and response.json()["checks"]["broker"] == "unavailable"
    assert "127.0.0.1" not in response.content.decode()


def test_metrics_are_off_by_default(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_need_the_token_when_on(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789")
    assert response.status_code == 200
    assert b"python_info" in response.content or b"process_" in response.content
