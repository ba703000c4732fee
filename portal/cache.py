"""The shared cache, used so that a cache that is down costs speed, never a page.

Django's RedisCache raises when Redis does not answer. What the portal caches is either derived (pages: a miss
renders them) or a read limit (the API throttle: open when Redis is down, so readers are not refused for our
outage). The login throttle does not live here: django-axes keeps failed logins in the database, so a Redis
outage never weakens it (it fails closed by construction).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


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


def get_many(keys: list[str]) -> dict[str, Any] | None:
    """One round trip for several keys; None (not an empty dict) when the cache is down."""
    try:
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
