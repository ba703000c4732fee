"""The shared cache, used so that a cache that is down costs speed, never a page.

Django's RedisCache raises when Redis does not answer. What the portal caches is either derived (pages: a miss
renders them) or a read limit (the API throttle: open when Redis is down, so readers are not refused for our
outage). The login throttle does not live here: django-axes keeps failed logins in the database, so a Redis
outage never weakens it (it fails closed by construction).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer

logger = logging.getLogger(__name__)
# What Django's RedisCache stores values as (integers raw, everything else pickled); the settings keep its default.
SERIALIZER = RedisSerializer()


def get(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except Exception as exc:  # redis.ConnectionError, TimeoutError, …
        logger.warning("cache unavailable on get (%s); serving without it", type(exc).__name__)
        return default


def set(key: str, value: Any, timeout: int | None) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception as exc:
        logger.warning("cache unavailable on set (%s); serving without it", type(exc).__name__)


def add(key: str, timeout: int) -> bool:
    """Set ``key`` if absent; True when this caller set it. With the cache down every caller "wins"."""
    try:
        return bool(cache.add(key, 1, timeout=timeout))
    except Exception as exc:
        logger.warning("cache unavailable on add (%s)", type(exc).__name__)
        return True


def delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as exc:
        logger.warning("cache unavailable on delete (%s)", type(exc).__name__)


def _redis_reader(backend: Any) -> Any:
    """A Redis client over the backend's own connection pool, made once per backend. Django's RedisCache builds a
    new ``redis.Redis`` for every call, and building one costs more than the round trip itself (~0.3 ms: it fills
    its table of response callbacks); the client is thread-safe and the pool survives forks (it checks its pid)."""
    reader = getattr(backend, "_obs_reader", None)
    if reader is None:
        reader = backend._cache.get_client(write=False)
        backend._obs_reader = reader
    return reader


def get_many(keys: list[str]) -> dict[str, Any] | None:
    """One round trip for several keys; None (not an empty dict) when the cache is down."""
    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):  # the hot path of the page cache: one MGET, no per-call client
            values = _redis_reader(backend).mget([backend.make_key(k) for k in keys])
            return {k: SERIALIZER.loads(v) for k, v in zip(keys, values, strict=True) if v is not None}
        return cache.get_many(keys)
    except Exception as exc:
        logger.warning("cache unavailable on get_many (%s); serving without it", type(exc).__name__)
        return None


def set_many(values: dict[str, Any], timeout: int | None) -> None:
    try:
        cache.set_many(values, timeout=timeout)
    except Exception as exc:
        logger.warning("cache unavailable on set_many (%s)", type(exc).__name__)


def add_many(values: dict[str, Any]) -> None:
    """Set each key that is absent (never expiring); keys already set keep their value."""
    for key, value in values.items():
        try:
            cache.add(key, value, timeout=None)
        except Exception as exc:
            logger.warning("cache unavailable on add (%s)", type(exc).__name__)
            return
