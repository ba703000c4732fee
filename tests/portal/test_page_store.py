"""The page cache on a real Redis (portal/page_store.py): the mirror of generations kept by a subscription, the
local copies of pages, and what happens when the subscription drops. Every wait is a bounded poll for an event
that another thread delivers (a Redis message), never a fixed sleep."""

from __future__ import annotations

import time
from unittest import mock

import pytest
import redis
from django.test import override_settings

from portal import page_cache, page_store
from tests.portal.test_shared_cache import REDIS, REDIS_DB

pytestmark = [pytest.mark.django_db]


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("the condition did not come true in time")


@pytest.fixture
def real_redis(settings):
    settings.PAGE_CACHE = True
    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    client.flushdb()
    with override_settings(CACHES=REDIS):
        yield client
    client.flushdb()


def live(store):
    return wait_for(lambda: store.mirror.lookup([])[1] >= 0)


def test_a_bump_made_elsewhere_reaches_this_process_mirror(real_redis):
    here = page_store.current()
    assert isinstance(here, page_store.RedisStore)
    here.mirror.start(here.backend)
    live(here)
    key = page_cache._generation_key("evidence")
    here.state([key], "pc:page:x:id")  # learnt from Redis
    elsewhere = page_store.RedisStore(here.backend)  # another process's store: its own mirror and copies
    elsewhere.set_state({key: "t2"})
    assert wait_for(lambda: here.mirror.lookup([key])[0].get(key) == "t2")


def test_a_hit_with_a_live_mirror_makes_no_round_trip_to_redis(real_redis, client, mx_plan):
    client.get("/en/plans/")
    store = page_store.current()
    live(store)
    client.get("/en/plans/")  # generations learnt, page copied locally
    with mock.patch.object(page_store.shared_cache, "get_many", side_effect=AssertionError("a round trip")):
        response = client.get("/en/plans/")
    assert response[page_cache.HEADER] == "hit"


def test_without_its_subscription_a_process_reads_redis_and_stays_correct(real_redis, client, mx_plan):
    store = page_store.current()
    client.get("/en/plans/")
    live(store)
    assert client.get("/en/plans/")[page_cache.HEADER] == "hit"
    real_redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")  # the subscription drops
    wait_for(lambda: store.mirror.lookup([])[1] == -1 or store.mirror._live is False, timeout=5)
    # Meanwhile a bump is made by a process whose message this one cannot hear.
    page_store.RedisStore(store.backend).set_state({page_cache._generation_key(page_cache.SITE): "other"})
    assert client.get("/en/plans/")[page_cache.HEADER] == "miss"  # read from Redis, not from the emptied mirror
    live(store)  # back: resubscribed, the mirror starts empty and learns again
    assert client.get("/en/plans/")[page_cache.HEADER] == "hit"


def test_a_value_read_before_a_bump_never_overwrites_it(real_redis):
    store = page_store.current()
    store.mirror.start(store.backend)
    live(store)
    key = page_cache._generation_key("reports")
    _known, epoch = store.mirror.lookup([key])  # a request starts reading…
    store.mirror.heard_from_redis(key, "new")  # …a bump arrives…
    store.mirror.learn({key: "old"}, epoch)  # …and the stale read comes back
    assert store.mirror.lookup([key])[0][key] == "new"


def test_local_copies_stay_within_their_budget():
    pages = page_store._LocalPages(budget=100_000)
    for n in range(50):
        pages.put(f"k{n}", ((), (), "tag", b"x" * 10_000))
    assert pages.used <= 100_000
    assert pages.get("k49") is not None and pages.get("k0") is None
    pages.put("huge", ((), (), "tag", b"x" * 60_000))  # more than a quarter of the budget: never kept
    assert pages.get("huge") is None
