"""Where the public page cache (portal/page_cache.py) keeps its state and its pages.

``SharedStore`` is any Django cache through ``portal.cache`` (LocMem for `make run` and the tests): every request
reads the generations and the page in one ``get_many``.

``RedisStore`` (with ``REDIS_URL``) adds two things that only ever hold copies of what is in Redis, so that a hit
costs no round trip at all and every process still sees every change at once:

- a **mirror of the generations and clocks**, kept by a thread per process subscribed to a Redis channel on which
  every bump is published (``bump`` sets the key, then publishes it). While the subscription is live the mirror is
  exactly Redis's state as of the last message; the moment it drops (or before it is confirmed) the mirror is
  emptied and requests read Redis again. A value learnt from a read is kept only if no message arrived meanwhile
  (an epoch counter), so a read can never overwrite a newer bump. Messages arrive within a millisecond of the
  bump on loopback; a page rendered by a process that has not heard of a bump yet is stored under the old
  generation, which no reader who has heard of it matches.
- a **local copy of pages**, an LRU bounded in bytes (``PAGE_CACHE_LOCAL_BYTES``), content-addressed: an entry is
  served only when its generations equal the current ones, exactly like the entry in Redis it copies. A 230 KB
  report page then costs no transfer from Redis on every hit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from portal import cache as shared_cache

logger = logging.getLogger(__name__)

Entry = tuple[Any, ...]
NOT_READ = object()
MIRROR_MAX_KEYS = 50_000


class SharedStore:
    def state(self, keys: list[str], page_key: str) -> tuple[dict[str, Any], Any] | None:
        """The current values of ``keys`` (generations, clocks) and, read in the same round trip, the stored page
        (or ``NOT_READ``). None when the cache is down."""
        found = shared_cache.get_many([page_key, *keys])
        if found is None:
            return None
        return found, found.pop(page_key, None)

    def reread(self, keys: list[str]) -> dict[str, Any]:
        return shared_cache.get_many(keys) or {}

    def page(self, page_key: str, vector: tuple[Any, ...], prefetched: Any) -> Entry | None:
        entry = shared_cache.get_many([page_key]) if prefetched is NOT_READ else {page_key: prefetched}
        candidate = (entry or {}).get(page_key)
        return candidate if candidate is not None and candidate[0] == vector else None

    def store_pages(self, entries: dict[str, Entry], ttl: int) -> None:
        shared_cache.set_many(entries, timeout=ttl)

    def set_state(self, values: dict[str, Any]) -> None:
        shared_cache.set_many(values, timeout=None)

    def add_state(self, values: dict[str, Any]) -> None:
        shared_cache.add_many(values)


class _Mirror:
    """Generations and clocks as this process last heard them (see the module docstring)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._lock = threading.Lock()
        self._values: dict[str, Any] = {}
        self._epoch = 0
        self._live = False
        self._pid: int | None = None

    def start(self, backend: RedisCache) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            self._pid, self._live, self._values = pid, False, {}
            self._epoch += 1
            threading.Thread(target=self._listen, args=(backend,), name="page-cache-mirror", daemon=True).start()

    def lookup(self, keys: list[str]) -> tuple[dict[str, Any], int]:
        with self._lock:
            if not self._live:
                return {}, -1
            return {k: self._values[k] for k in keys if k in self._values}, self._epoch

    def learn(self, values: dict[str, Any], epoch: int) -> None:
        with self._lock:
            if self._live and epoch == self._epoch:
                if len(self._values) > MIRROR_MAX_KEYS:  # one scope per evidence item: forget, and learn again
                    self._values = {}
                    self._epoch += 1
                    return
                self._values.update(values)

    def heard(self, values: dict[str, Any]) -> None:
        """This process bumped: it knows the new values before its own message comes back."""
        with self._lock:
            self._epoch += 1
            if self._live:
                self._values.update(values)

    def _reset(self, live: bool) -> None:
        with self._lock:
            self._values = {}
            self._epoch += 1
            self._live = live

    def _listen(self, backend: RedisCache) -> None:
        while True:
            pubsub = None
            try:
                pubsub = shared_cache._redis_reader(backend).pubsub()
                pubsub.subscribe(self.channel)
                while True:
                    message = pubsub.get_message(timeout=0.5)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._reset(live=True)
                    elif message["type"] == "message":
                        key, _sep, raw = message["data"].partition(b"\0")
                        self.heard_from_redis(key.decode(), pickle.loads(raw))  # noqa: S301 - our own channel
            except Exception as exc:  # Redis went away: read it directly until the subscription is back
                self._reset(live=False)
                logger.warning("page cache mirror disconnected (%s); reading Redis directly", type(exc).__name__)
                time.sleep(1)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # closing a dead connection
                        pubsub.close()

    def heard_from_redis(self, key: str, value: Any) -> None:
        with self._lock:
            self._epoch += 1
            if self._live:
                self._values[key] = value


class _LocalPages:
    """An LRU of page entries bounded in bytes, per process."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        size = len(entry[-1]) + 1024
        if size > self.budget // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.used -= len(old[-1]) + 1024
            self._entries[key] = entry
            self.used += size
            while self.used > self.budget and self._entries:
                _k, dropped = self._entries.popitem(last=False)
                self.used -= len(dropped[-1]) + 1024


class RedisStore(SharedStore):
    def __init__(self, backend: RedisCache) -> None:
        self.backend = backend
        self.mirror = _Mirror(channel=backend.make_key("pc:bumps"))
        self.local = _LocalPages(settings.PAGE_CACHE_LOCAL_BYTES)

    def state(self, keys: list[str], page_key: str) -> tuple[dict[str, Any], Any] | None:
        self.mirror.start(self.backend)
        known, epoch = self.mirror.lookup(keys)
        missing = [k for k in keys if k not in known]
        if not missing:
            return known, NOT_READ
        found = shared_cache.get_many([page_key, *missing])
        if found is None:
            return None
        prefetched = found.pop(page_key, None)
        self.mirror.learn(found, epoch)
        return {**known, **found}, prefetched

    def reread(self, keys: list[str]) -> dict[str, Any]:
        found = shared_cache.get_many(keys) or {}
        _known, epoch = self.mirror.lookup([])
        self.mirror.learn(found, epoch)
        return found

    def page(self, page_key: str, vector: tuple[Any, ...], prefetched: Any) -> Entry | None:
        local = self.local.get(page_key)
        if local is not None and local[0] == vector:
            return local
        if prefetched is not NOT_READ and (prefetched is None or prefetched[0] != vector):
            return None
        entry = super().page(page_key, vector, prefetched)
        if entry is not None:
            self.local.put(page_key, entry)
        return entry

    def store_pages(self, entries: dict[str, Entry], ttl: int) -> None:
        super().store_pages(entries, ttl)
        for key, entry in entries.items():
            self.local.put(key, entry)

    def set_state(self, values: dict[str, Any]) -> None:
        """Set and publish in one MULTI/EXEC: no process can see the new value without the message, or the message
        without the value."""
        dumps = shared_cache.SERIALIZER.dumps
        try:
            pipe = self.backend._cache.get_client(write=True).pipeline(transaction=True)
            for key, value in values.items():
                pipe.set(self.backend.make_key(key), dumps(value))
                pipe.publish(self.mirror.channel, key.encode() + b"\0" + pickle.dumps(value))
            pipe.execute()
        except Exception as exc:  # the cache is down: nothing is served from it until it is back
            logger.warning("cache unavailable on bump (%s)", type(exc).__name__)
        self.mirror.heard(values)

    def add_state(self, values: dict[str, Any]) -> None:
        super().add_state(values)
        _known, epoch = self.mirror.lookup([])
        self.mirror.learn(self.reread(list(values)), epoch)


_STORES: dict[int, SharedStore] = {}


def current() -> SharedStore:
    """The store of the cache configured now (tests switch caches with override_settings)."""
    backend = caches["default"]
    store = _STORES.get(id(backend))
    if store is None or getattr(store, "backend", backend) is not backend:
        store = RedisStore(backend) if isinstance(backend, RedisCache) else SharedStore()
        _STORES.clear()
        _STORES[id(backend)] = store
    return store
