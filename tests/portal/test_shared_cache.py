"""The shared cache on a real Redis, and the portal with Redis down: slower, never broken."""

from __future__ import annotations

import os
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from tests.reporting import SLUG, assess, publish

pytestmark = pytest.mark.django_db

# The tests' own database number on the machine's Redis, one per xdist worker (10, 11…; the deploy tests use 14 and
# down), and their own key prefix: the page cache's bumps travel on a pub/sub channel named by the prefix, and pub/sub
# ignores database numbers, so a deploy stack or another worker running at the same time must not be heard here.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
REDIS_DB = 10 + int(_WORKER.removeprefix("gw") or 0)
PREFIX = f"obs1325-test-{_WORKER}"
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "KEY_PREFIX": PREFIX,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
DOWN = {
    "default": {
        **REDIS["default"],
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
}


@pytest.fixture
def real_redis():
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.flushdb()
    with override_settings(CACHES=REDIS):
        yield client
    client.flushdb()


def test_an_anonymous_page_is_kept_in_redis_with_its_prefix_and_expiry(world, cast, client, real_redis, settings):
    settings.PAGE_CACHE = True
    settings.CACHE_PAGE_SECONDS = 3600
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    first = client.get(f"/en/reports/{SLUG}/v1/")
    pages = sorted(k.decode() for k in real_redis.keys(f"{PREFIX}:1:pc:page:*"))
    # Both encodings stored once, each with the page's expiry; the generations they depend on never expire.
    assert first.status_code == 200 and [p.rsplit(":", 1)[1] for p in pages] == ["gz", "id"]
    assert all(3500 < real_redis.ttl(p) <= 3600 for p in pages)
    generations = real_redis.keys(f"{PREFIX}:1:pc:gen:*")
    assert {k.decode().rsplit(":", 1)[1] for k in generations} == {"site", "reports"}
    assert all(real_redis.ttl(g) == -1 for g in generations)
    second = client.get(f"/en/reports/{SLUG}/v1/")
    assert second["X-Page-Cache"] == "hit" and second.content == first.content


def test_the_api_limit_is_counted_in_redis(client, real_redis):
    from portal.throttles import ReadThrottle

    with mock.patch.object(ReadThrottle, "THROTTLE_RATES", {"anon": "3/minute"}):
        statuses = [client.get("/api/v1/plans/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert real_redis.keys(f"{PREFIX}:1:throttle_anon_*")


@override_settings(CACHES=DOWN)
def test_with_redis_down_pages_the_api_and_the_login_throttle_still_work(world, cast, client):
    assess(world, cast.reviewer, [world["public"]])
    publish(world, cast)
    with pytest.raises(redis.ConnectionError):
        caches["default"].get("probe")  # Redis really is unreachable here
    assert client.get("/en/").status_code == 200
    assert client.get(f"/en/reports/{SLUG}/v1/").status_code == 200  # a cache miss: rendered
    assert client.get("/api/v1/plans/").status_code == 200  # reading stays open
    # The login throttle lives in the database (django-axes), so it does not open with Redis down.
    statuses = [
        client.post("/en/accounts/login/", {"username": cast.member.email, "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429
    readiness = client.get("/readyz")
    assert readiness.status_code == 503 and readiness.json()["checks"]["cache"] == "unavailable"
